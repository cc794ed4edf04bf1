/*
 * field — what regiectl's human views share: a member of a JSON reply as
 * text, and the "Label         value" lines of a details block (values
 * made safe by table_clean, times shown by table_time). For regiectl; no
 * state.
 */
#ifndef REGIE_FIELD_H
#define REGIE_FIELD_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define FIELD_LABEL_WIDTH 14 /* characters of a label, with its padding */

/* The string member key of o, borrowed from o; NULL when o has no such
 * member or it is not a string. */
const char *field_str(const json_t *o, const char *key);

/* The integer member key of o written as decimal text into buf; returns
 * buf, or NULL (buf untouched) when the member is not an integer. */
const char *field_num(const json_t *o, const char *key, char *buf, size_t len);

/* Prints "Label         value" and a newline, value made safe (NULL
 * shows as "-"); a value with newlines continues under itself. */
void field_print(FILE *out, const char *label, const char *value);

/* field_print of an RFC 3339 time shown in the local zone (see
 * table_time). */
void field_print_time(FILE *out, const char *label, const char *t);

#endif

/*
 * table — regiectl's human output: columns aligned by characters (UTF-8
 * aware), text made safe for a terminal (control characters, which a
 * partner's contact name or note could carry, become '?'), and times
 * shown in the local zone (regied's, once a reply named it: see cli) as
 * "2026-11-22 09:00". For regiectl; no
 * sockets, no store.
 */
#ifndef REGIE_TABLE_H
#define REGIE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_TIME_MAX 32 /* bytes of a local time, with the NUL */

typedef struct table table_t;

/* A table of n columns with these headers (copied). A header starting
 * with '>' is a right-aligned column (numbers); the '>' is not shown. */
table_t *table_new(size_t n, const char *const *headers);

/* Frees; sets *p to NULL; accepts NULL. */
void table_destroy(table_t **p);

/* Adds a row of n cells (copied, made safe; NULL shows as "-"). */
void table_add(table_t *t, const char *const *cells);

/* Rows added so far. */
size_t table_rows(const table_t *t);

/* Prints the header and the rows, columns two spaces apart, the last
 * column not padded. */
void table_print(const table_t *t, FILE *out);

/* A copy of text with every control character (and DEL) as '?', except
 * newline when keep_newlines; cut after max characters with "..." (0: no
 * limit). NULL gives "-". The caller frees. */
char *table_clean(const char *text, bool keep_newlines, size_t max);

/* Characters (UTF-8 code points) in text. */
size_t table_width(const char *text);

/* Writes an RFC 3339 time as local "YYYY-MM-DD HH:MM" into buf (len >=
 * TABLE_TIME_MAX); NULL or "" gives "-", text that is not a time is
 * copied as it is (made safe). Returns buf. */
char *table_time(const char *rfc3339, char *buf, size_t len);

#endif

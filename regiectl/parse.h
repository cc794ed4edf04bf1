/*
 * parse — what regiectl's commands read from text they are given on the
 * command line or in an import file: whole numbers in a range, and the
 * owner of an agreement ("regisseur:RG-000003", "partner:vt",
 * "kernteam", "department:inkomen"). For regiectl; no state.
 */
#ifndef REGIE_PARSE_H
#define REGIE_PARSE_H

#include <jansson.h>
#include <stdbool.h>

/* Reads a whole decimal number in [min, max] into *n; false if text is
 * anything else (NULL, a sign, spaces, trailing text). */
bool parse_number(const char *text, long long min, long long max, long long *n);

/* Splits an owner "regisseur:RG-000003", "partner:vt", "kernteam" or
 * "department:inkomen" into the members owner_type and owner of args.
 * Returns false, leaving args alone, when text is none of these. */
bool parse_owner(const char *text, json_t *args);

#endif

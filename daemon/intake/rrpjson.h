/*
 * rrpjson — reading an RRP/1 body (spec/rrp.md section 2): one JSON
 * object with duplicate keys refused, its canonical text, readers of its
 * members that say what is wrong and where (a JSON Pointer), and the
 * checks of values the spec shares between REFERRAL and REPORT (lengths
 * in code points, control characters, dates and timestamps). No I/O, no
 * state; used by rrpreferral, rrpreport and rrpreq, and the unit tests.
 */
#ifndef REGIE_RRPJSON_H
#define REGIE_RRPJSON_H

#include "rrp.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Number of Unicode code points in a valid UTF-8 string. */
size_t rrpjson_utf8_length(const char *s);

/* Whether s holds a control character (C0, DEL or C1). */
bool rrpjson_has_control(const char *s);

/* Whether s is a date YYYY-MM-DD that exists in the calendar. */
bool rrpjson_date_valid(const char *s);

/* Whether s is an RFC 3339 date-time ("2026-11-20T10:15:00+01:00"). */
bool rrpjson_timestamp_valid(const char *s);

/* Parses a body as one JSON object with duplicate keys refused. Returns
 * the object (the caller's reference) or NULL with pb filled (bad_json). */
json_t *rrpjson_parse_object(const char *body, size_t len, rrp_problem_t *pb);

/* The canonical text of a JSON value: sorted keys, no whitespace, strings
 * in UTF-8 with minimal escapes. Caller frees. Equal JSON, equal text. */
char *rrpjson_canonical(const json_t *value);

/* Refuses (invalid_field, pb filled, -1) a member of obj, the object at
 * JSON Pointer base ("" for the body), whose name is not in allowed (a
 * NULL-terminated list). Returns 0 when every member is allowed. */
int rrpjson_no_unknown(const json_t *obj, const char *base,
                       const char *const *allowed, rrp_problem_t *pb);

/* Reads string member name of obj into *out (borrowed from obj); label
 * names it for people ("contact.name"), ptr is its JSON Pointer. Its
 * length in code points must be within [min, max]. Missing: *out NULL,
 * an error only when required. Returns 0, or -1 with pb filled
 * (invalid_field). */
int rrpjson_string(const json_t *obj, const char *name, const char *label,
                   const char *ptr, bool required, size_t min, size_t max,
                   const char **out, rrp_problem_t *pb);

/* Reads member name of obj (at "/name") as rrpjson_string does; when
 * present it must be one of choices (NULL-terminated). Returns 0, or -1
 * with pb filled (invalid_field, listing the choices). */
int rrpjson_choice(const json_t *obj, const char *name,
                   const char *const *choices, bool required, const char **out,
                   rrp_problem_t *pb);

#endif

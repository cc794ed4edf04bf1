/*
 * ref — how records and times are named outside the database: the
 * references people and partners use (C-000017 for a case, RG-000003 for
 * a regisseur, R-000042 for a referral) and RFC 3339 times in UTC. Used
 * by the daemon and by regiectl; no state.
 */
#ifndef REGIE_REF_H
#define REGIE_REF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REF_CASE "C"
#define REF_REGISSEUR "RG"
#define REF_REFERRAL "R"

#define REF_MAX 32      /* bytes of a formatted reference, with the NUL */
#define REF_TIME_MAX 32 /* bytes of a formatted time, with the NUL */

/* Writes prefix-NNNNNN (at least six digits) for id into buf (len >=
 * REF_MAX) and returns buf. */
char *ref_format(char *buf, size_t len, const char *prefix, int64_t id);

/* The reference as a new JSON string. */
json_t *ref_json(const char *prefix, int64_t id);

/* Parses a reference with this prefix ("C-000017", "c-17") or a bare
 * number ("17") into *id; prefix "" allows bare numbers only. Returns
 * false (leaving *id alone) for anything else, zero, or more than 15
 * digits. */
bool ref_parse(const char *text, const char *prefix, int64_t *id);

/* Writes seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" into buf (len
 * >= REF_TIME_MAX) and returns buf. */
char *ref_time(char *buf, size_t len, int64_t t);

/* The time as a new JSON string. */
json_t *ref_time_json(int64_t t);

/* Parses an RFC 3339 date-time ("2026-11-22T08:00:00Z", fractions and
 * "+01:00" offsets allowed) into seconds since the epoch. Returns false
 * when text is not one. */
bool ref_time_parse(const char *text, int64_t *t);

#endif

/*
 * rrpreferral — the body of an RRP/1 REFERRAL (spec/rrp.md section 3),
 * checked against every rule of the spec and of the configuration: the
 * fields, their types and lengths, the BSNs (elfproef), dates, postcode
 * and contact. No I/O, no state; used by rrpreq and the unit tests.
 */
#ifndef REGIE_RRPREFERRAL_H
#define REGIE_RRPREFERRAL_H

#include "rrp.h"

#include <jansson.h>
#include <stddef.h>

/* What a REFERRAL body may contain, from the configuration. */
typedef struct {
    size_t household_max;
    char *const *categories; /* the configured categories */
    size_t categories_n;
    const char *today; /* "YYYY-MM-DD" in the configured zone */
} rrpreferral_rules_t;

/* A valid REFERRAL. Strings borrow root, which the referral owns. */
typedef struct {
    json_t *root;
    const char *external_id;
    const char *kind;
    const char *category;
    const char *urgency;    /* "normaal" when absent */
    const char *birth_date; /* NULL when absent */
    char postcode[7];       /* "1234AB", or "" when absent */
    const char *contact_name;
    const char *contact_email; /* NULL when absent */
    const char *contact_phone; /* NULL when absent */
    const char *occurred_at;   /* NULL when absent */
    const char *note;          /* NULL when absent */
    const char **bsns;         /* subject first, then household, unique */
    size_t persons;
} rrpreferral_t;

/* Parses and validates a REFERRAL body. Returns 0 with out filled (free
 * with rrpreferral_clear), or -1 with pb filled and out cleared. */
int rrpreferral_parse(const char *body, size_t len,
                      const rrpreferral_rules_t *rules, rrpreferral_t *out,
                      rrp_problem_t *pb);

/* Frees what a parsed referral owns and clears it; accepts a cleared
 * one. */
void rrpreferral_clear(rrpreferral_t *r);

#endif

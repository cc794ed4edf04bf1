/*
 * rrpreport — the body of an RRP/1 REPORT (spec/rrp.md section 4),
 * checked against every rule of the spec: the fields, a reason when the
 * report is not delivered (and no BSN in it), the period and the count.
 * Whether the agreement exists is the store's question, not this
 * module's. No I/O, no state; used by rrpreq and the unit tests.
 */
#ifndef REGIE_RRPREPORT_H
#define REGIE_RRPREPORT_H

#include "rrp.h"

#include <jansson.h>
#include <stddef.h>

/* A valid REPORT. Strings borrow root, which the report owns. */
typedef struct {
    json_t *root;
    const char *external_id;
    const char *agreement; /* "A-000007" as sent */
    const char *status;    /* "delivered" (default) or "not_delivered" */
    const char *reason;    /* NULL when absent */
    const char *period;    /* NULL when absent */
    long long count;       /* -1 when absent */
    const char *note;      /* NULL when absent */
} rrpreport_t;

/* Parses and validates a REPORT body. Returns 0 with out filled (free
 * with rrpreport_clear), or -1 with pb filled and out cleared. */
int rrpreport_parse(const char *body, size_t len, rrpreport_t *out,
                    rrp_problem_t *pb);

/* Frees what a parsed report owns and clears it (count -1); accepts a
 * cleared one. */
void rrpreport_clear(rrpreport_t *r);

#endif

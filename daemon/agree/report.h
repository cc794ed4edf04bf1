/*
 * report — what meets an agreement: a progress report, or a partner's
 * periodic (possibly nil) report. Stores it once (idempotent by source
 * and external_id, judged on a keyed digest of the body), reconciles a
 * partner's count against the referrals that actually came in the
 * period, and meets the agreement (on time or late) or, for a
 * not-delivered report, records the reason and leaves it open. Main
 * thread only, in the caller's write transaction.
 */
#ifndef REGIE_REPORT_H
#define REGIE_REPORT_H

#include "config/cfg.h"
#include "pseudo.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A report to store. Pointers borrowed for the call. */
typedef struct {
    const char *source;        /* partner id, or "user:NAME" */
    const char *external_id;   /* NULL for regiectl reports */
    const unsigned char *digest; /* PSEUDO_LEN bytes, or NULL */
    int64_t agreement_id;
    bool delivered;
    const char *reason;        /* required when not delivered */
    const char *period;        /* "2026-W47", "2026-11-20" or NULL */
    long long count;           /* -1: none */
    const char *note;
    const char *actor;         /* for the audit trail */
} report_in_t;

/* Looks (source, external_id) up. Returns 1 with *reply set to the ACK
 * body of the first time (status "duplicate") when the digest is the
 * same, 2 when it differs (a conflict; *reply NULL), 0 when new, -1 on
 * a store error. */
int report_find(store_t *s, const char *source, const char *external_id,
                const unsigned char digest[PSEUDO_LEN], json_t **reply);

/* Stores r and applies it to its open agreement. Returns 0 with *reply
 * set to the ACK body (status "accepted": report, agreement,
 * agreement_status, next_due, reconciled), or -1 (store error). */
int report_store(store_t *s, const cfg_t *cfg, const report_in_t *r,
                 int64_t now, json_t **reply);

#endif

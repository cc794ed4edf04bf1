/*
 * digestsec — the text sections of the weekly digest, made from the
 * store: the agreements overdue by owner (days late, escalation level,
 * the reasons given in not_delivered reports and extensions), each
 * partner's periodic reports missed in a row and its counts that did not
 * reconcile, the cases without regisseur and how long they have waited,
 * the week's figures, and the summary line of what is late. References,
 * names of organisations and professionals, dates and the reasons
 * professionals gave; never a BSN, a note, a category or an agreement's
 * description (free text). Main thread (reads the store).
 */
#ifndef REGIE_DIGESTSEC_H
#define REGIE_DIGESTSEC_H

#include "config/cfg.h"
#include "store/store.h"

#include <stdint.h>

/* The sections as of now; owned strings, free with digestsec_clear. */
typedef struct {
    char *summary;    /* one line: how much is late, or nothing */
    char *overdue;    /* the agreements overdue, by owner */
    char *partners;   /* partners' missed and unreconciled reports */
    char *unassigned; /* the open cases without regisseur */
    char *figures;    /* the week before now in numbers */
} digestsec_t;

/* Makes every section as of now into out. Returns 0, or -1 on a store
 * error (logged; out is empty then). */
int digestsec_make(const cfg_t *cfg, store_t *s, int64_t now, digestsec_t *out);

/* Frees the sections' strings; accepts an empty one. */
void digestsec_clear(digestsec_t *sec);

#endif

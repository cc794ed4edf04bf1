/*
 * purge — retention (DESIGN "Privacy and security"): what regie knows of
 * a household goes when it is no longer needed.
 * - A case closed longer than retention_months ago loses its referrals
 *   (with the partner's contact and note), its memberships (the persons'
 *   pseudonyms), its close reason and the notes of the reports on its
 *   agreements. The case row stays (status, type, times, regisseur), and
 *   so do its agreements and occurrences: the statistics need them and
 *   they hold no personal circumstance.
 * - A case still open loses the referrals older than max_active_months.
 *   Its memberships stay, even those that only such a referral brought
 *   in: a person stays in an open case, so a new signal about them still
 *   finds the household and its regisseur; a pseudonym says nothing by
 *   itself.
 * - The outbox rows of the referrals purged go too, unless still pending
 *   (they hold no circumstance, but a partner's contact and the referral
 *   reference; and a referral id freed and used again must not find its
 *   notification key taken).
 * Nothing purged stays readable in the files: the database overwrites
 * deleted rows (secure_delete) and the commit of a purge that removed
 * anything truncates the WAL (store_scrub_after_commit).
 * The audit trail keeps that a purge ran and how many rows of each kind
 * it removed (event purge.run), never what. Main thread only.
 */
#ifndef REGIE_PURGE_H
#define REGIE_PURGE_H

#include "config/cfg.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* What a purge removed, or would remove. */
typedef struct {
    int64_t cases;         /* closed cases with something to remove */
    int64_t referrals;     /* of closed cases, and old ones of open cases */
    int64_t memberships;   /* of closed cases */
    int64_t notifications; /* outbox rows of the referrals removed */
    int64_t notes;         /* close reasons and report notes cleared */
} purge_counts_t;

/* Local time t moved back by months calendar months (mktime normalises:
 * 31 March minus one month is 3 March in a non-leap year). */
int64_t purge_cutoff(int64_t t, int months);

/* Purges by cfg's retention_months and max_active_months as of now. With
 * dry_run it only counts (nothing changes, no event). Otherwise it
 * removes and appends the event purge.run by actor ("scheduler",
 * "user:alice") with the counts, in the caller's write transaction when
 * one is open, else in one of its own. Fills *counts. Returns 0, or -1
 * after logging (a transaction of its own is rolled back then). */
int purge_run(store_t *s, const cfg_t *cfg, int64_t now, bool dry_run,
              const char *actor, purge_counts_t *counts);

/* The counts as a new JSON object {cases, referrals, memberships,
 * notifications, notes}. */
json_t *purge_counts_json(const purge_counts_t *c);

#endif

/*
 * agreeq — agreements as regiectl shows them: one agreement with its
 * occurrences, reports and events; lists with filters; and the overdue
 * list (by owner, days late, escalation level, reasons given, periods
 * missed in a row). Read-only queries; main thread only.
 */
#ifndef REGIE_AGREEQ_H
#define REGIE_AGREEQ_H

#include "config/cfg.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

/* Filters of agreeq_list; NULL or 0: any. */
typedef struct {
    const char *status;      /* "open" (default), ..., or "all" */
    const char *kind;
    const char *owner_type;
    const char *owner;       /* id as stored ("3", "vt", "kernteam") */
    int64_t case_id;
} agreeq_filter_t;

/* The agreement object; with details, also its occurrences, reports and
 * events. Returns a new reference, or NULL with *found 0 (no such
 * agreement) or -1 (store error). */
json_t *agreeq_one(store_t *s, const cfg_t *cfg, int64_t id, int details,
                   int *found);

/* Agreements matching f, oldest first. NULL on a store error. */
json_t *agreeq_list(store_t *s, const cfg_t *cfg, const agreeq_filter_t *f);

/* The agreements not kept at now: open ones past due, by owner then days
 * late (with days_late, reasons, missed_in_row), and open ones whose last
 * report gave a count that is not what arrived, with "unreconciled":
 * {period, reported, received} (days_late null unless also past due).
 * NULL on a store error. */
json_t *agreeq_overdue(store_t *s, const cfg_t *cfg, int64_t now);

#endif

/*
 * stats — the figures of `regiectl stats` for a period: referrals per
 * partner and ISO week, the share matched to an existing case, the time
 * from referral to regisseur assignment (median and 90th percentile),
 * progress and partner reports and a gemeente department's agreements
 * on time / late / missing with extensions and waivers, the study's two
 * blind spots (the social network of the household mapped and engaged;
 * care against participation and safety in what comes in), per partner,
 * per regisseur organisation and per department. Also the two small
 * pure helpers the monitoring modules share: the ISO week of a time and
 * a percentile. Reads only; main thread (the store's).
 */
#ifndef REGIE_STATS_H
#define REGIE_STATS_H

#include "config/cfg.h"
#include "problem.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_WEEK_MAX 16  /* bytes of "2026-W47" with the NUL */
#define STATS_WEEKS_DEFAULT 12
#define STATS_DAYS_MAX 3660 /* the longest period asked for: ten years */

/* Writes the ISO 8601 week of local time t ("2026-W01"; the year is the
 * week's, so 2027-01-01 may be "2026-W53") into buf (len >=
 * STATS_WEEK_MAX). Returns buf. */
char *stats_iso_week(int64_t t, char *buf, size_t len);

/* Local midnight of the Monday of the ISO week holding t. */
int64_t stats_week_start(int64_t t);

/* The p-th percentile (0..100) of n values sorted ascending, by linear
 * interpolation between closest ranks (Hyndman-Fan type 7, as numpy and
 * Python's statistics.quantiles(method="inclusive")): p = 50 is the
 * median, the mean of the two middle values for even n. n must be > 0. */
double stats_percentile(const double *sorted, size_t n, double p);

/* The figures for [from, to) (seconds; now is the daemon's now, for
 * what is overdue) as a new JSON object:
 *   {from, to, weeks: ["2026-W36", ...],
 *    referrals: {total, matched, matched_share, by_partner: [{partner,
 *      name, total, matched, matched_share, weeks: {"2026-W36": n}}]},
 *    domains: {total: {care, participation, safety, other},
 *      by_partner: [{partner, care, ...}], by_week: [{week, care, ...}]},
 *    assignment: {cases, median_s, p90_s, by_organisation:
 *      [{organisation, cases, median_s, p90_s}]},
 *    reports: {progress: {TALLY, by_organisation: [{organisation,
 *      TALLY}]}, partner: {TALLY, by_partner: [{partner, TALLY}]},
 *      department: {TALLY, by_department: [{department, TALLY}]}},
 *    network: {cases, mapped, engaged, mapped_share, engaged_share}}
 * where TALLY is on_time, late, missing, unreconciled, waived,
 * extensions, waivers, on_time_share, late_share, missing_share,
 * unreconciled_share. Shares are 0..1, or null when there is nothing
 * to divide by. department holds the agreements (of any kind) that a
 * gemeente department owns. See stats.c for each definition.
 * Returns NULL with pb set on a store error. */
json_t *stats_compute(store_t *s, const cfg_t *cfg, int64_t from, int64_t to,
                      int64_t now, problem_t *pb);

#endif

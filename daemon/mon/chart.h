/*
 * chart — the numbers of the weekly digest's chart, computed in this one
 * place: for each of the CHART_WEEKS ISO weeks up to the current one,
 * the referrals received and the agreements not kept, by owner: a
 * partner (its periodic reports), a regisseur organisation (the progress
 * reports of its regisseurs) and a gemeente department (its agreements).
 * "Not kept" is stats' missing plus unreconciled: an occurrence missed
 * (or overdue now), or met by a report whose count was not what arrived
 * (AGREE_OUTCOME_SQL). Each week's numbers are those stats_compute gives
 * for that week, so they are `regiectl stats --from MONDAY --to
 * SUNDAY`'s. The picture (chartpng) and the digest's texts are made from
 * this data only; it holds names of organisations, never a person.
 * Reads the store; main thread.
 */
#ifndef REGIE_CHART_H
#define REGIE_CHART_H

#include "config/cfg.h"
#include "problem.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

#define CHART_WEEKS 12 /* the current ISO week and the 11 before it */
#define CHART_OWNERS 6 /* rows of owners at most, "other" included */

/* The chart's data as of now, a new JSON object:
 *   {weeks: ["2026-W41", ...]   CHART_WEEKS ISO weeks, oldest first,
 *    from: [RFC 3339, ...]      each week's Monday 00:00 local,
 *    to: [RFC 3339, ...]        the next Monday's (the current week's
 *                               numbers are those up to now),
 *    current: CHART_WEEKS - 1   the index of now's week,
 *    referrals: [n, ...]        received per week,
 *    not_kept: [n, ...]         per week, all owners together,
 *    owners: [{type, id, name, not_kept: [n, ...], total}]}
 * type is "partner", "organisation", "department" or "other"; id the
 * partner's or department's id, or the organisation's name; name what
 * the gemeente calls it (the configured name). owners are those with an
 * agreement not kept in these weeks, the most first (then by name); when
 * there are more than CHART_OWNERS, the last row, type "other" (id
 * "other", name "Overige eigenaren (N)"), holds the N others together.
 * Returns NULL with pb set on a store error. */
json_t *chart_data(store_t *s, const cfg_t *cfg, int64_t now, problem_t *pb);

/* The data as plain text for the text part of the digest: a table of
 * the weeks (the current one marked "*"), the referrals and the
 * agreements not kept per week, and each owner's row under its name.
 * Returns a new string for the caller to free. */
char *chart_text(const json_t *data);

/* The kind of an owner of type type (an owner's "type") in words, as the
 * text, the HTML and the picture show it under or after its name:
 * "partner", "regisseurs", "gemeente"; "samen" for the "other" row; ""
 * for any other type. */
const char *chart_owner_kind(const char *type);

#endif

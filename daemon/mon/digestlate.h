/*
 * digestlate — the agreements late longest, for the weekly digest's
 * table (HTML) and the same facts in its text: the open agreements past
 * their due time, the longest late first, at most DIGESTLATE_ROWS, each
 * with its owner by name, the days late, the escalation level and the
 * reason given last for the current occurrence (a not_delivered report's
 * or an extension's). Never an agreement's description (free text).
 * Main thread (reads the store).
 */
#ifndef REGIE_DIGESTLATE_H
#define REGIE_DIGESTLATE_H

#include "config/cfg.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

#define DIGESTLATE_ROWS 5

/* The rows as of now, a new JSON array of
 *   {agreement: "A-000007", kind: "voortgangsrapportage", case:
 *    "C-000017" or null, owner: "Regisseur A. Jansen (Leger des
 *    Heils)", due: "3 maart 2026", days_late: 40, late: "40 dagen",
 *    level: "geëscaleerd naar de gemeente", reason: "..." or null,
 *    reason_kind: "niet geleverd", "uitstel" or null}
 * (reason on one line, at most DIGESTWORD_REASON_MAX characters). NULL
 * on a store error (logged). */
json_t *digestlate_rows(const cfg_t *cfg, store_t *s, int64_t now);

/* The rows as text for the text part, numbered, or "Geen afspraken te
 * laat."; a new string. */
char *digestlate_text(const json_t *rows);

#endif

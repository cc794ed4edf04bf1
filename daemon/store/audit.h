/*
 * audit — the audit trail: every state change is one append-only event
 * (time, actor, action, the case and agreement it concerns, a reference,
 * and details as JSON). The table refuses UPDATE and DELETE (triggers),
 * so no interface can change it. Details never hold a BSN, a note or a
 * person's circumstances. Main thread only, in the caller's transaction.
 */
#ifndef REGIE_AUDIT_H
#define REGIE_AUDIT_H

#include "store.h"

#include <jansson.h>
#include <stdint.h>

/* Actors: "partner:vt", "user:alice", "scheduler", "daemon". Actions, by
 * subject: referral.accepted; case.opened, case.joined, case.assigned,
 * case.typed, case.closed, case.network, case.referenced (an import gave
 * a case the gemeente's case number; an import's case.opened and
 * case.joined have "import": true in their details); agreement.made,
 * agreement.met, agreement.met_late, agreement.not_delivered,
 * agreement.extended, agreement.waived, agreement.closed, agreement.missed,
 * agreement.reminder, agreement.escalated, agreement.not_reconciled;
 * report.accepted; notification.sent, notification.failed;
 * regisseur.added, regisseur.updated; config.reloaded; purge.run;
 * digest.sent; backup.made. */

/* Appends one event. case_id and agreement_id are 0 when none; ref and
 * details may be NULL; details is borrowed. Returns 0 or -1 (logged). */
int audit_add(store_t *s, int64_t at, const char *actor, const char *action,
              int64_t case_id, int64_t agreement_id, const char *ref,
              const json_t *details);

/* The same with details already written as JSON text (or NULL), as
 * json_dumps with JSON_COMPACT | JSON_SORT_KEYS writes them: for the
 * events of every referral, whose details are made without building a
 * JSON value. */
int audit_add_text(store_t *s, int64_t at, const char *actor,
                   const char *action, int64_t case_id, int64_t agreement_id,
                   const char *ref, const char *details);

#endif

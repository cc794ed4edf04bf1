/*
 * agree — agreements (afspraken): who must deliver what by when, under
 * which policy, one-off or recurring. Makes them, and changes their
 * state: met (on time or late), extended, waived, closed with the case,
 * moved to a new regisseur; records every change in the audit trail and
 * every ended occurrence in the occurrence table; keeps next_at (when the
 * scheduler must look again) right. The only writer of an agreement's
 * state: the scheduler decides the steps of the ladder and reports each
 * step taken through agree_advance. agreehook starts, through these, the
 * agreements DESIGN asks for. Main thread only; every function works in
 * the caller's write transaction.
 */
#ifndef REGIE_AGREE_H
#define REGIE_AGREE_H

#include "config/cfg.h"
#include "ladder.h"
#include "mail/notify.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The outcome of an ended occurrence, in SQL over the occurrence table
 * under the name o: as stored (met, met_late, missed, waived, closed),
 * but "met_unreconciled" when the report that met it gave a count that
 * is not what regie received from the partner in that period: such an
 * agreement is not kept (DESIGN "Agreements"), whatever its time. One
 * definition for every view: stats, the overdue list, the digest. */
#define AGREE_OUTCOME_SQL(o)                                               \
    "(CASE WHEN " o ".outcome IN ('met', 'met_late') AND EXISTS (SELECT 1" \
    " FROM report u WHERE u.id = " o ".report_id AND u.reconciled = 0)"   \
    " THEN 'met_unreconciled' ELSE " o ".outcome END)"

/* A new agreement. Pointers are borrowed for the call. */
typedef struct {
    int kind;                /* CFG_KIND_... */
    const char *owner_type;  /* regisseur, partner, kernteam, department */
    const char *owner;       /* its id as text ("3", "vt", "kernteam") */
    int64_t case_id;         /* 0: not about a case */
    const char *description;
    int64_t due_at;
    int period_days;         /* 0: one-off */
    const char *policy;      /* NULL: the kind's policy */
    const char *actor;       /* "user:alice", "daemon" */
    bool confirm;            /* email the owner what was agreed: for the
                              * agreements people make; the automatic
                              * ones are announced by their cause */
} agree_new_t;

/* What a report did to an agreement. */
typedef struct {
    const char *status;      /* "met", "met_late" (or "open") */
    int64_t next_due;        /* the next occurrence's due time, or -1 */
    int occurrence;          /* the occurrence it met */
} agree_met_t;

/* Makes an agreement and (a->confirm) queues its confirmation. Returns
 * 0 with *id set, or -1 (store error, logged). */
int agree_make(store_t *s, const cfg_t *cfg, notify_t *n,
               const agree_new_t *a, int64_t now, int64_t *id);

/* Meets the current occurrence of open agreement id with report_id:
 * met when now is at or before its due time, else met_late. A recurring
 * agreement rolls to its next occurrence. Returns 0 or -1. */
int agree_meet(store_t *s, const cfg_t *cfg, int64_t id, int64_t report_id,
               int64_t now, const char *actor, agree_met_t *out);

/* Moves the due time of open agreement id to until, with a reason; the
 * ladder starts again from there. Returns 0 or -1. */
int agree_extend(store_t *s, const cfg_t *cfg, int64_t id, int64_t until,
                 const char *reason, const char *actor, int64_t now);

/* Waives the current occurrence (a recurring agreement rolls on; a
 * one-off one ends as waived), with a reason. Returns 0 or -1. */
int agree_waive(store_t *s, const cfg_t *cfg, int64_t id,
                const char *reason, const char *actor, int64_t now);

/* Records that the current occurrence was missed and starts the next
 * (recurring agreements, by the scheduler). Returns 0 or -1. */
int agree_roll(store_t *s, const cfg_t *cfg, int64_t id, int64_t now);

/* Records the step the scheduler took on open agreement id under its
 * policy p: the ladder of the current occurrence moves to plan->step
 * and plan->repeats, the highest level reached rises to that of the
 * step plan sent (if any), and the scheduler looks again at
 * plan->next_at (-1: not until a change of state). plan is a
 * ladder_plan of the agreement's current state. Returns 0 or -1. */
int agree_advance(store_t *s, const cfg_policy_t *p, int64_t id,
                  const ladder_plan_t *plan);

/* Stops the scheduler looking at agreement id (its policy is not
 * configured) until a change of its state. Returns 0 or -1. */
int agree_unschedule(store_t *s, int64_t id);

/* Moves open agreement id to a new owner (a reassigned case's progress
 * agreement), with an agreement.moved event. Returns 0 or -1. */
int agree_move(store_t *s, const cfg_t *cfg, int64_t id, const char *owner,
               int64_t now, const char *actor);

/* Sets the period of recurring agreement id, from its next occurrence
 * on. Returns 0 or -1. */
int agree_set_period(store_t *s, const cfg_t *cfg, int64_t id,
                     int period_days, int64_t now);

/* Closes open agreement id (its case closed) with reason: its occurrence
 * ends "closed", with an agreement.closed event. Returns 0 or -1. */
int agree_close(store_t *s, const cfg_t *cfg, int64_t id, const char *reason,
                const char *actor, int64_t now);

/* Whether agreement id exists and is open and owned by partner. */
int agree_owned_open(store_t *s, int64_t id, const char *partner);

#endif

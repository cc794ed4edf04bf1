/*
 * ladder — the reminder and escalation ladder of one occurrence of an
 * agreement, as pure arithmetic: when each step of its policy falls (in
 * local days or working days from the due time), which step is due now
 * (only the latest of those that fell due: a daemon that was down sends
 * the one still relevant, once), and when to look again. Stateless.
 */
#ifndef REGIE_LADDER_H
#define REGIE_LADDER_H

#include "config/cfg.h"

#include <stdint.h>

#define LADDER_REPEAT (-2) /* plan.send: a repeat of the last level */

typedef struct {
    int send;          /* step to send now, LADDER_REPEAT, or -1: none */
    int repeat;        /* which repeat, when send is LADDER_REPEAT */
    int step;          /* the next step to take after this plan */
    int repeats;       /* repeats done after this plan */
    int64_t next_at;   /* when to look again; -1: nothing left to do */
} ladder_plan_t;

/* When step i of policy p falls for an occurrence due at due. */
int64_t ladder_step_time(const cfg_policy_t *p, int64_t due, size_t i);

/* The due time of the occurrence after one due at due (period_days
 * local days later, same time of day), or -1 for a one-off. */
int64_t ladder_next_due(int64_t due, int period_days);

/* The index in p->steps of the step plan sends (the last step for a
 * repeat), or -1 when plan sends none. */
int ladder_sent_step(const cfg_policy_t *p, const ladder_plan_t *plan);

/* The first step of policy p still ahead at now for an occurrence due at
 * due (p->steps_n when none is): where the ladder starts again after an
 * extension, so steps already past are not sent again. */
int ladder_resume_step(const cfg_policy_t *p, int64_t due, int64_t now);

/* Plans what to do at now for an occurrence due at due whose ladder is
 * at step (steps taken before it) with repeats done. The occurrence's
 * roll to the next period is the caller's (see ladder_next_due); next_at
 * includes it. */
void ladder_plan(const cfg_policy_t *p, int64_t due, int period_days,
                 int step, int repeats, int64_t now, ladder_plan_t *out);

#endif

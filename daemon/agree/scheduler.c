/*
 * scheduler — reminders and escalation of agreements (see scheduler.h):
 * decides and sends the steps; agree records them.
 */
#include "scheduler.h"

#include "agree.h"
#include "ladder.h"
#include "log.h"
#include "ref.h"
#include "store/audit.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_sql_next[] =
    "SELECT min(next_at) FROM agreement WHERE next_at IS NOT NULL";
static const char s_sql_due[] =
    "SELECT id FROM agreement WHERE next_at IS NOT NULL AND next_at <= ?1"
    " ORDER BY next_at LIMIT ?2";
static const char s_sql_row[] =
    "SELECT kind, description, case_id, due_at, owner_type, owner,"
    " period_days, occurrence, step, repeats, level, policy, extensions"
    " FROM agreement WHERE id = ?1 AND status = 'open'";
static const char s_sql_reasons[] =
    "SELECT group_concat('- ' || reason, char(10)) FROM report"
    " WHERE agreement_id = ?1 AND occurrence = ?2"
    " AND status = 'not_delivered'";

int64_t scheduler_next_at(store_t *s)
{
    return store_int64_memo(s, s_sql_next, -1);
}

/* The current state of an open agreement, copied. */
typedef struct {
    notify_agreement_t a;
    char kind[16], owner_type[16], owner[64], policy[64];
    char *description, *reasons;
    int period_days, step, repeats;
} s_due_t;

static int s_read(store_t *s, int64_t id, s_due_t *d)
{
    memset(d, 0, sizeof *d);
    sqlite3_stmt *st = store_prepare(s, s_sql_row);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        snprintf(d->kind, sizeof d->kind, "%s", sqlite3_column_text(st, 0));
        d->description = store_column_dup(st, 1);
        d->a.case_id = sqlite3_column_int64(st, 2);
        d->a.due_at = sqlite3_column_int64(st, 3);
        snprintf(d->owner_type, sizeof d->owner_type, "%s",
                 sqlite3_column_text(st, 4));
        snprintf(d->owner, sizeof d->owner, "%s", sqlite3_column_text(st, 5));
        d->period_days = sqlite3_column_int(st, 6);
        d->a.occurrence = sqlite3_column_int(st, 7);
        d->step = sqlite3_column_int(st, 8);
        d->repeats = sqlite3_column_int(st, 9);
        d->a.level = sqlite3_column_int(st, 10);
        snprintf(d->policy, sizeof d->policy, "%s",
                 sqlite3_column_text(st, 11));
        d->a.extensions = sqlite3_column_int(st, 12);
    }
    sqlite3_reset(st);
    d->a.agreement_id = id;
    d->a.kind = d->kind;
    d->a.description = d->description;
    d->a.owner_type = d->owner_type;
    d->a.owner = d->owner;
    d->a.period_days = d->period_days;
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The not-delivered reasons given for the current occurrence. */
static char *s_reasons(store_t *s, int64_t id, int occurrence)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_reasons);
    if (!st)
        return NULL;
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, occurrence);
    char *out =
        store_step(s, st) == SQLITE_ROW ? store_column_dup(st, 0) : NULL;
    sqlite3_reset(st);
    return out;
}

/* Sends what plan says and records the step taken. */
static int s_take(store_t *s, const cfg_t *cfg, notify_t *n, s_due_t *d,
                  const cfg_policy_t *p, const ladder_plan_t *plan, int64_t now)
{
    int idx = ladder_sent_step(p, plan);
    const cfg_step_t *st = &p->steps[idx];
    d->a.level = st->level;
    d->a.step = idx;
    d->reasons = s_reasons(s, d->a.agreement_id, d->a.occurrence);
    d->a.reasons = d->reasons;
    int rc = notify_agreement_step(
        n, s, &d->a, st, plan->send == LADDER_REPEAT ? plan->repeat : 0, now);
    char ref[24];
    ref_format(ref, sizeof ref, "A", d->a.agreement_id);
    json_t *det =
        json_pack("{s:i, s:i, s:i, s:I}", "occurrence", d->a.occurrence, "step",
                  idx, "level", st->level, "due_at", (json_int_t)d->a.due_at);
    if (rc == 0)
        rc = audit_add(s, now, "scheduler",
                       st->level ? "agreement.escalated" : "agreement.reminder",
                       d->a.case_id, d->a.agreement_id, ref, det);
    json_decref(det);
    (void)cfg;
    log_info("scheduler: %s agreement=%s occurrence=%d step=%d level=%d",
             st->level ? "escalated" : "reminded", ref, d->a.occurrence, idx,
             st->level);
    return rc;
}

/* Handles one due agreement. */
static int s_one(store_t *s, const cfg_t *cfg, notify_t *n, int64_t id,
                 int64_t now)
{
    s_due_t d;
    int rc = s_read(s, id, &d);
    if (rc <= 0) /* not open any more: nothing to do */
        goto done;
    int64_t next_due = ladder_next_due(d.a.due_at, d.period_days);
    if (next_due >= 0 && next_due <= now) { /* a period went by unmet */
        free(d.description);
        if (agree_roll(s, cfg, id, now) < 0)
            return -1;
        return s_one(s, cfg, n, id, now);
    }
    const cfg_policy_t *p = cfg_policy(cfg, d.policy);
    if (!p) {
        log_warn("scheduler: agreement=A-%06lld names policy=%s which is not "
                 "configured; it waits",
                 (long long)id, d.policy);
        rc = agree_unschedule(s, id);
        goto done;
    }
    ladder_plan_t plan;
    ladder_plan(p, d.a.due_at, d.period_days, d.step, d.repeats, now, &plan);
    rc = plan.send != -1 ? s_take(s, cfg, n, &d, p, &plan, now) : 0;
    if (rc == 0)
        rc = agree_advance(s, p, id, &plan);
done:
    free(d.description);
    free(d.reasons);
    return rc < 0 ? -1 : 0;
}

int scheduler_run(store_t *s, const cfg_t *cfg, notify_t *n, int64_t now,
                  int batch)
{
    /* One batch per call: the server's loop comes back at once while
     * more is due, so intake, handshakes and regiectl are served between
     * batches. */
    int64_t *ids = xcalloc((size_t)batch, sizeof *ids);
    int k = 0, rc, total = -1;
    sqlite3_stmt *st = store_prepare(s, s_sql_due);
    if (st) {
        store_bind_int64(s, st, 1, now);
        store_bind_int64(s, st, 2, batch);
        while ((rc = store_step(s, st)) == SQLITE_ROW)
            ids[k++] = sqlite3_column_int64(st, 0);
        if (rc == SQLITE_DONE && (k == 0 || store_begin(s) == 0)) {
            int failed = 0;
            for (int i = 0; i < k && !failed; i++)
                failed = s_one(s, cfg, n, ids[i], now) < 0;
            if (k > 0 && (failed || store_commit(s) < 0))
                store_rollback(s);
            else
                total = k;
        }
    }
    free(ids);
    return total;
}

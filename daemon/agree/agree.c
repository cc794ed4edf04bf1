/*
 * agree — agreements and their state changes (see agree.h). Main thread
 * only, in the caller's write transaction.
 */
#include "agree.h"

#include "cal.h"
#include "config/cfgagree.h"
#include "ladder.h"
#include "log.h"
#include "ref.h"
#include "store/audit.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One agreement row, as the state changes need it. */
typedef struct {
    int64_t id;
    char kind[16], owner_type[16], owner[64], policy[64], status[16];
    int64_t case_id;
    char *description;
    int period_days; /* 0: one-off */
    int occurrence, step, level, repeats, extensions;
    int64_t due_at;
} s_row_t;

static const char s_sql_insert[] =
    "INSERT INTO agreement (kind, owner_type, owner, case_id, description,"
    " policy, period_days, due_at, next_at, created_at, created_by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char s_sql_load[] =
    "SELECT id, kind, owner_type, owner, case_id, description, policy,"
    " period_days, status, occurrence, due_at, step, level, repeats,"
    " extensions FROM agreement WHERE id = ?1";
static const char s_sql_save[] =
    "UPDATE agreement SET status = ?2, occurrence = ?3, due_at = ?4,"
    " step = ?5, level = ?6, repeats = ?7, extensions = ?8, next_at = ?9,"
    " closed_at = ?10, reason = coalesce(?11, reason), owner = ?12,"
    " period_days = ?13 WHERE id = ?1";
static const char s_sql_occurrence[] =
    "INSERT OR REPLACE INTO occurrence (agreement_id, n, due_at, outcome,"
    " at, report_id, level, extensions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " ?8)";
static const char s_sql_advance[] =
    "UPDATE agreement SET step = ?2, repeats = ?3, level = max(level, ?4),"
    " next_at = ?5 WHERE id = ?1";
static const char s_sql_unschedule[] =
    "UPDATE agreement SET next_at = NULL WHERE id = ?1";
static const char s_sql_owned[] =
    "SELECT 1 FROM agreement WHERE id = ?1 AND status = 'open'"
    " AND owner_type = 'partner' AND owner = ?2";

static void s_copy(char *dst, size_t len, const unsigned char *v)
{
    snprintf(dst, len, "%s", v ? (const char *)v : "");
}

/* Loads agreement id into r. Returns 1, 0 when none, -1 on error. */
static int s_load(store_t *s, int64_t id, s_row_t *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st = store_prepare(s, s_sql_load);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        r->id = sqlite3_column_int64(st, 0);
        s_copy(r->kind, sizeof r->kind, sqlite3_column_text(st, 1));
        s_copy(r->owner_type, sizeof r->owner_type, sqlite3_column_text(st, 2));
        s_copy(r->owner, sizeof r->owner, sqlite3_column_text(st, 3));
        r->case_id = sqlite3_column_int64(st, 4);
        r->description = store_column_dup(st, 5);
        s_copy(r->policy, sizeof r->policy, sqlite3_column_text(st, 6));
        r->period_days = sqlite3_column_int(st, 7);
        s_copy(r->status, sizeof r->status, sqlite3_column_text(st, 8));
        r->occurrence = sqlite3_column_int(st, 9);
        r->due_at = sqlite3_column_int64(st, 10);
        r->step = sqlite3_column_int(st, 11);
        r->level = sqlite3_column_int(st, 12);
        r->repeats = sqlite3_column_int(st, 13);
        r->extensions = sqlite3_column_int(st, 14);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* When the scheduler must look at an open row again: now when a step
 * fell due already, else the next step or roll; -1 when never. */
static int64_t s_next_at(const cfg_t *cfg, const s_row_t *r, int64_t now)
{
    const cfg_policy_t *p = cfg_policy(cfg, r->policy);
    if (strcmp(r->status, "open") != 0 || !p)
        return -1;
    ladder_plan_t plan;
    ladder_plan(p, r->due_at, r->period_days, r->step, r->repeats, now, &plan);
    return plan.send != -1 ? now : plan.next_at;
}

/* Writes the state of r; closed_at set when not open. */
static int s_save(store_t *s, const cfg_t *cfg, const s_row_t *r, int64_t now,
                  const char *reason)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_save);
    if (!st)
        return -1;
    int64_t next = s_next_at(cfg, r, now);
    store_bind_int64(s, st, 1, r->id);
    store_bind_text(s, st, 2, r->status);
    store_bind_int64(s, st, 3, r->occurrence);
    store_bind_int64(s, st, 4, r->due_at);
    store_bind_int64(s, st, 5, r->step);
    store_bind_int64(s, st, 6, r->level);
    store_bind_int64(s, st, 7, r->repeats);
    store_bind_int64(s, st, 8, r->extensions);
    if (next >= 0)
        store_bind_int64(s, st, 9, next);
    if (strcmp(r->status, "open") != 0)
        store_bind_int64(s, st, 10, now);
    if (reason)
        store_bind_text(s, st, 11, reason);
    store_bind_text(s, st, 12, r->owner);
    if (r->period_days > 0)
        store_bind_int64(s, st, 13, r->period_days);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

/* Records the end of the current occurrence of r. */
static int s_ended(store_t *s, const s_row_t *r, const char *outcome,
                   int64_t now, int64_t report_id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_occurrence);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, r->id);
    store_bind_int64(s, st, 2, r->occurrence);
    store_bind_int64(s, st, 3, r->due_at);
    store_bind_text(s, st, 4, outcome);
    store_bind_int64(s, st, 5, now);
    if (report_id)
        store_bind_int64(s, st, 6, report_id);
    store_bind_int64(s, st, 7, r->level);
    store_bind_int64(s, st, 8, r->extensions);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

/* Starts the next occurrence of recurring r (or ends a one-off one with
 * status end). */
static void s_advance(s_row_t *r, const char *end)
{
    if (r->period_days > 0) {
        r->occurrence++;
        r->due_at = ladder_next_due(r->due_at, r->period_days);
        r->step = r->level = r->repeats = r->extensions = 0;
    } else {
        snprintf(r->status, sizeof r->status, "%s", end);
    }
}

static int s_event(store_t *s, const s_row_t *r, int64_t now, const char *actor,
                   const char *action, json_t *details)
{
    char ref[24];
    ref_format(ref, sizeof ref, "A", r->id);
    json_object_set_new(details, "occurrence", json_integer(r->occurrence));
    int rc = audit_add(s, now, actor, action, r->case_id, r->id, ref, details);
    json_decref(details);
    return rc;
}

/* The policy of new agreement a: its own, else its kind's. */
static const char *s_policy_name(const cfg_t *cfg, const agree_new_t *a)
{
    if (a->policy)
        return a->policy;
    return cfg->policy_for[a->kind] ? cfg->policy_for[a->kind]
                                    : cfg_kind_name(a->kind);
}

/* Inserts new agreement r as a asks (the texts bound are a's, r holds
 * copies); sets r->id. */
static int s_insert(store_t *s, const cfg_t *cfg, s_row_t *r,
                    const agree_new_t *a, int64_t now)
{
    int64_t next = s_next_at(cfg, r, now);
    sqlite3_stmt *st = store_prepare(s, s_sql_insert);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, r->kind);
    store_bind_text(s, st, 2, a->owner_type);
    store_bind_text(s, st, 3, a->owner);
    if (a->case_id)
        store_bind_int64(s, st, 4, a->case_id);
    store_bind_text(s, st, 5, a->description);
    store_bind_text(s, st, 6, s_policy_name(cfg, a));
    if (a->period_days > 0)
        store_bind_int64(s, st, 7, a->period_days);
    store_bind_int64(s, st, 8, a->due_at);
    if (next >= 0)
        store_bind_int64(s, st, 9, next);
    store_bind_int64(s, st, 10, now);
    store_bind_text(s, st, 11, a->actor);
    if (store_step(s, st) != SQLITE_DONE)
        return -1;
    r->id = store_last_id(s);
    return 0;
}

/* Whether s is a word that JSON writes as it is (letters, digits and
 * "_-.:"), and short enough for s_made's details. */
static bool s_plain(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= '0' && s[n] <= '9') || strchr("_-.:", s[n])))
            return false;
    return n < 64;
}

/* The agreement.made event of r. Its details are those of every new
 * case: written here as jansson writes them (compact, sorted keys) when
 * the words need no escaping, else by jansson. */
static int s_made_event(store_t *s, const s_row_t *r, int64_t now,
                        const char *actor)
{
    if (!s_plain(r->kind) || !s_plain(r->owner) || !s_plain(r->policy)) {
        json_t *d = json_pack("{s:s, s:s, s:s, s:I}", "kind", r->kind, "owner",
                              r->owner, "policy", r->policy, "due_at",
                              (json_int_t)r->due_at);
        return s_event(s, r, now, actor, "agreement.made", d);
    }
    char ref[24], details[320];
    ref_format(ref, sizeof ref, "A", r->id);
    snprintf(details, sizeof details,
             "{\"due_at\":%lld,\"kind\":\"%s\",\"occurrence\":%d,"
             "\"owner\":\"%s\",\"policy\":\"%s\"}",
             (long long)r->due_at, r->kind, r->occurrence, r->owner,
             r->policy);
    return audit_add_text(s, now, actor, "agreement.made", r->case_id, r->id,
                          ref, details);
}

/* Records that r was made and (confirm) queues the owner's email. */
static int s_made(store_t *s, notify_t *n, const s_row_t *r, int64_t now,
                  const char *actor, bool confirm)
{
    int rc = s_made_event(s, r, now, actor);
    notify_agreement_t na = {.agreement_id = r->id,
                             .occurrence = r->occurrence,
                             .kind = r->kind,
                             .description = r->description,
                             .case_id = r->case_id,
                             .due_at = r->due_at,
                             .owner_type = r->owner_type,
                             .owner = r->owner,
                             .period_days = r->period_days};
    if (rc == 0 && confirm)
        rc = notify_agreement_made(n, s, &na, now);
    return rc;
}

int agree_make(store_t *s, const cfg_t *cfg, notify_t *n, const agree_new_t *a,
               int64_t now, int64_t *id)
{
    const char *policy = s_policy_name(cfg, a);
    s_row_t r = {.case_id = a->case_id,
                 .period_days = a->period_days,
                 .occurrence = 1,
                 .due_at = a->due_at,
                 .description = (char *)a->description};
    snprintf(r.kind, sizeof r.kind, "%s", cfg_kind_name(a->kind));
    snprintf(r.owner_type, sizeof r.owner_type, "%s", a->owner_type);
    snprintf(r.owner, sizeof r.owner, "%s", a->owner);
    snprintf(r.policy, sizeof r.policy, "%s", policy);
    snprintf(r.status, sizeof r.status, "open");
    if (s_insert(s, cfg, &r, a, now) < 0)
        return -1;
    *id = r.id;
    int rc = s_made(s, n, &r, now, a->actor, a->confirm);
    log_debug("agree: made agreement=A-%06lld kind=%s owner=%s:%s",
              (long long)*id, r.kind, a->owner_type, a->owner);
    return rc;
}

int agree_meet(store_t *s, const cfg_t *cfg, int64_t id, int64_t report_id,
               int64_t now, const char *actor, agree_met_t *out)
{
    s_row_t r;
    if (s_load(s, id, &r) != 1)
        return -1;
    const char *outcome = now <= r.due_at ? "met" : "met_late";
    out->status = outcome;
    out->occurrence = r.occurrence;
    int rc = s_ended(s, &r, outcome, now, report_id);
    json_t *d = json_pack("{s:I, s:I}", "report", (json_int_t)report_id,
                          "due_at", (json_int_t)r.due_at);
    if (rc == 0)
        rc = s_event(s, &r, now, actor,
                     strcmp(outcome, "met") == 0 ? "agreement.met"
                                                 : "agreement.met_late",
                     d);
    else
        json_decref(d);
    s_advance(&r, outcome);
    out->next_due = r.period_days > 0 ? r.due_at : -1;
    if (rc == 0)
        rc = s_save(s, cfg, &r, now, NULL);
    free(r.description);
    return rc;
}

int agree_extend(store_t *s, const cfg_t *cfg, int64_t id, int64_t until,
                 const char *reason, const char *actor, int64_t now)
{
    s_row_t r;
    if (s_load(s, id, &r) != 1)
        return -1;
    json_t *d = json_pack("{s:s, s:I, s:I}", "reason", reason, "from",
                          (json_int_t)r.due_at, "until", (json_int_t)until);
    r.due_at = until;
    r.extensions++;
    r.level = r.repeats = 0;
    /* The ladder starts again: steps already past the new times are not
     * sent again, the ones still ahead are. */
    const cfg_policy_t *p = cfg_policy(cfg, r.policy);
    r.step = p ? ladder_resume_step(p, until, now) : 0;
    int rc = s_event(s, &r, now, actor, "agreement.extended", d);
    if (rc == 0)
        rc = s_save(s, cfg, &r, now, NULL);
    free(r.description);
    return rc;
}

/* Ends the current occurrence of id with outcome and action; a recurring
 * agreement rolls on. */
static int s_end(store_t *s, const cfg_t *cfg, int64_t id, const char *outcome,
                 const char *action, const char *reason, const char *actor,
                 int64_t now)
{
    s_row_t r;
    if (s_load(s, id, &r) != 1)
        return -1;
    int rc = s_ended(s, &r, outcome, now, 0);
    json_t *d = reason ? json_pack("{s:s}", "reason", reason) : json_object();
    json_object_set_new(d, "level", json_integer(r.level));
    if (rc == 0)
        rc = s_event(s, &r, now, actor, action, d);
    else
        json_decref(d);
    if (strcmp(outcome, "closed") == 0)
        snprintf(r.status, sizeof r.status, "closed");
    else
        s_advance(&r, outcome);
    if (rc == 0)
        rc = s_save(s, cfg, &r, now, reason);
    free(r.description);
    return rc;
}

int agree_waive(store_t *s, const cfg_t *cfg, int64_t id, const char *reason,
                const char *actor, int64_t now)
{
    return s_end(s, cfg, id, "waived", "agreement.waived", reason, actor, now);
}

int agree_roll(store_t *s, const cfg_t *cfg, int64_t id, int64_t now)
{
    return s_end(s, cfg, id, "missed", "agreement.missed", NULL, "scheduler",
                 now);
}

int agree_advance(store_t *s, const cfg_policy_t *p, int64_t id,
                  const ladder_plan_t *plan)
{
    int sent = ladder_sent_step(p, plan);
    sqlite3_stmt *st = store_prepare(s, s_sql_advance);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, plan->step);
    store_bind_int64(s, st, 3, plan->repeats);
    store_bind_int64(s, st, 4, sent >= 0 ? p->steps[sent].level : 0);
    if (plan->next_at >= 0)
        store_bind_int64(s, st, 5, plan->next_at);
    else
        store_bind_null(s, st, 5);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

int agree_unschedule(store_t *s, int64_t id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_unschedule);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

int agree_move(store_t *s, const cfg_t *cfg, int64_t id, const char *owner,
               int64_t now, const char *actor)
{
    s_row_t r;
    if (s_load(s, id, &r) != 1)
        return -1;
    json_t *d = json_pack("{s:s, s:s}", "from", r.owner, "to", owner);
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    int rc = s_event(s, &r, now, actor, "agreement.moved", d);
    if (rc == 0)
        rc = s_save(s, cfg, &r, now, NULL);
    free(r.description);
    return rc;
}

int agree_set_period(store_t *s, const cfg_t *cfg, int64_t id, int period_days,
                     int64_t now)
{
    s_row_t r;
    if (s_load(s, id, &r) != 1)
        return -1;
    r.period_days = period_days; /* from the next occurrence on */
    int rc = s_save(s, cfg, &r, now, NULL);
    free(r.description);
    return rc;
}

int agree_close(store_t *s, const cfg_t *cfg, int64_t id, const char *reason,
                const char *actor, int64_t now)
{
    return s_end(s, cfg, id, "closed", "agreement.closed", reason, actor, now);
}

int agree_owned_open(store_t *s, int64_t id, const char *partner)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_owned);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_text(s, st, 2, partner);
    int rc = store_step(s, st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

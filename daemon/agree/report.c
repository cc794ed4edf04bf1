/*
 * report — storing reports and applying them to agreements (see
 * report.h). Main thread only, in the caller's write transaction.
 */
#include "report.h"

#include "agree.h"
#include "cal.h"
#include "cases/referral.h"
#include "ladder.h"
#include "log.h"
#include "ref.h"
#include "store/audit.h"

#include <stdio.h>
#include <string.h>

static const char s_sql_find[] =
    "SELECT id, digest, agreement_id, outcome, next_due, reconciled"
    " FROM report WHERE source = ?1 AND external_id = ?2";
static const char s_sql_agreement[] =
    "SELECT occurrence, due_at, period_days, case_id, owner, owner_type"
    " FROM agreement WHERE id = ?1 AND status = 'open'";
static const char s_sql_insert[] =
    "INSERT INTO report (source, external_id, digest, agreement_id,"
    " occurrence, status, reason, period, count, received, reconciled, note,"
    " received_at, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, 'open')";
static const char s_sql_outcome[] =
    "UPDATE report SET outcome = ?2, next_due = ?3 WHERE id = ?1";

/* The ACK body of a report from its parts. */
static json_t *s_reply(const char *status, int64_t report, int64_t agreement,
                       const char *outcome, int64_t next_due, int reconciled)
{
    char rref[24], aref[24], due[40];
    ref_format(rref, sizeof rref, "P", report);
    ref_format(aref, sizeof aref, "A", agreement);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "status", status, "report",
                          rref, "agreement", aref, "agreement_status", outcome);
    json_object_set_new(o, "next_due",
                        next_due >= 0 ? json_string(cal_local_rfc3339(
                                            next_due, due, sizeof due))
                                      : json_null());
    json_object_set_new(o, "reconciled",
                        reconciled < 0 ? json_null()
                                       : json_boolean(reconciled));
    return o;
}

int report_find(store_t *s, const char *source, const char *external_id,
                const unsigned char digest[PSEUDO_LEN], json_t **reply)
{
    *reply = NULL;
    sqlite3_stmt *st = store_prepare(s, s_sql_find);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, source);
    store_bind_text(s, st, 2, external_id);
    int rc = store_step(s, st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : -1;
    int found = 2;
    if (sqlite3_column_bytes(st, 1) == PSEUDO_LEN &&
        memcmp(sqlite3_column_blob(st, 1), digest, PSEUDO_LEN) == 0) {
        found = 1;
        *reply = s_reply("duplicate", sqlite3_column_int64(st, 0),
                         sqlite3_column_int64(st, 2),
                         (const char *)sqlite3_column_text(st, 3),
                         sqlite3_column_type(st, 4) == SQLITE_NULL
                             ? -1
                             : sqlite3_column_int64(st, 4),
                         sqlite3_column_type(st, 5) == SQLITE_NULL
                             ? -1
                             : sqlite3_column_int(st, 5));
    }
    sqlite3_reset(st);
    return found;
}

/* The current occurrence of an open agreement. */
typedef struct {
    int occurrence, period_days;
    int64_t due_at, case_id;
    char owner[64]; /* the partner, when owner_type is partner */
    int partner;    /* owned by a partner: counts reconcile */
} s_agreement_t;

static int s_agreement(store_t *s, int64_t id, s_agreement_t *a)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_agreement);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        a->occurrence = sqlite3_column_int(st, 0);
        a->due_at = sqlite3_column_int64(st, 1);
        a->period_days = sqlite3_column_int(st, 2);
        a->case_id = sqlite3_column_int64(st, 3);
        snprintf(a->owner, sizeof a->owner, "%s", sqlite3_column_text(st, 4));
        a->partner =
            strcmp((const char *)sqlite3_column_text(st, 5), "partner") == 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Counts the referrals the owning partner sent in the report's period: the
 * period named, or else the occurrence's period (a recurring agreement's last
 * period before its due time). Returns the count, -2 when no period
 * applies, -1 on a store error. */
static long long s_received(store_t *s, const report_in_t *r,
                            const s_agreement_t *a)
{
    int64_t from, to;
    if (!a->partner) /* only a partner's forwarding is counted */
        return -2;
    if (r->period) {
        if (cal_period(r->period, &from, &to) < 0)
            return -2;
    } else if (a->period_days > 0) {
        to = a->due_at;
        from = cal_add_days(to, -a->period_days);
    } else {
        return -2;
    }
    return referral_count_in_period(s, a->owner, from, to);
}

static int64_t s_insert(store_t *s, const report_in_t *r,
                        const s_agreement_t *a, long long received, int64_t now)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_insert);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, r->source);
    store_bind_text(s, st, 2, r->external_id);
    if (r->digest)
        store_bind_blob(s, st, 3, r->digest, PSEUDO_LEN);
    store_bind_int64(s, st, 4, r->agreement_id);
    store_bind_int64(s, st, 5, a->occurrence);
    store_bind_text(s, st, 6, r->delivered ? "delivered" : "not_delivered");
    store_bind_text(s, st, 7, r->reason);
    store_bind_text(s, st, 8, r->period);
    if (r->count >= 0)
        store_bind_int64(s, st, 9, r->count);
    if (r->count >= 0 && received >= 0) {
        store_bind_int64(s, st, 10, received);
        store_bind_int64(s, st, 11, received == r->count);
    }
    store_bind_text(s, st, 12, r->note);
    store_bind_int64(s, st, 13, now);
    if (store_step(s, st) != SQLITE_DONE)
        return -1;
    return store_last_id(s);
}

/* Records a count that does not match what came in: an agreement not
 * kept, with both numbers. */
static int s_not_reconciled(store_t *s, const report_in_t *r,
                            const s_agreement_t *a, long long received,
                            int64_t now)
{
    char ref[24];
    ref_format(ref, sizeof ref, "A", r->agreement_id);
    json_t *d =
        json_pack("{s:I, s:I, s:s?}", "count", (json_int_t)r->count, "received",
                  (json_int_t)received, "period", r->period);
    int rc = audit_add(s, now, r->actor, "agreement.not_reconciled", a->case_id,
                       r->agreement_id, ref, d);
    json_decref(d);
    log_warn("report: not reconciled agreement=%s count=%lld received=%lld",
             ref, r->count, received);
    return rc;
}

/* Applies stored report id to its agreement: meets it, or records why
 * it is not delivered. Sets *outcome ("met", "met_late" or "open") and
 * *next_due (-1: none). Returns 0 or -1. */
static int s_apply(store_t *s, const cfg_t *cfg, const report_in_t *r,
                   const s_agreement_t *a, int64_t id, int64_t now,
                   const char **outcome, int64_t *next_due)
{
    *outcome = "open";
    *next_due = -1;
    if (r->delivered) {
        agree_met_t met;
        if (agree_meet(s, cfg, r->agreement_id, id, now, r->actor, &met) < 0)
            return -1;
        *outcome = met.status;
        *next_due = met.next_due;
        return 0;
    }
    char ref[24];
    ref_format(ref, sizeof ref, "A", r->agreement_id);
    json_t *d =
        json_pack("{s:s, s:I}", "reason", r->reason, "report", (json_int_t)id);
    int rc = audit_add(s, now, r->actor, "agreement.not_delivered", a->case_id,
                       r->agreement_id, ref, d);
    json_decref(d);
    if (rc < 0)
        return -1;
    *next_due = a->period_days > 0 ? a->due_at : -1;
    return 0;
}

/* Writes the outcome and next due time (-1: none) of report id. */
static int s_outcome(store_t *s, int64_t id, const char *outcome,
                     int64_t next_due)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_outcome);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_text(s, st, 2, outcome);
    if (next_due >= 0)
        store_bind_int64(s, st, 3, next_due);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

int report_store(store_t *s, const cfg_t *cfg, const report_in_t *r,
                 int64_t now, json_t **reply)
{
    s_agreement_t a;
    *reply = NULL;
    if (s_agreement(s, r->agreement_id, &a) != 1)
        return -1;
    long long received = r->count >= 0 ? s_received(s, r, &a) : -2;
    if (received == -1)
        return -1;
    int reconciled = r->count >= 0 && received >= 0 ? received == r->count : -1;
    int64_t id = s_insert(s, r, &a, received, now);
    if (id < 0 ||
        (reconciled == 0 && s_not_reconciled(s, r, &a, received, now) < 0))
        return -1;
    const char *outcome;
    int64_t next_due;
    if (s_apply(s, cfg, r, &a, id, now, &outcome, &next_due) < 0 ||
        s_outcome(s, id, outcome, next_due) < 0)
        return -1;
    *reply =
        s_reply("accepted", id, r->agreement_id, outcome, next_due, reconciled);
    return 0;
}

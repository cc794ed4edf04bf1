/*
 * purge — retention (see purge.h). Main thread only. ?1 is the cutoff of
 * closed cases, ?2 that of referrals on open cases.
 */
#include "purge.h"

#include "store/audit.h"
#include "log.h"

#include <time.h>

#define S_CLOSED                                                             \
    "SELECT id FROM cases WHERE status = 'closed' AND closed_at < ?1"
#define S_GONE                                                               \
    "SELECT id FROM referral WHERE case_id IN (" S_CLOSED ") OR"             \
    " (received_at < ?2 AND case_id IN"                                      \
    " (SELECT id FROM cases WHERE status = 'open'))"
#define S_REPORTS                                                            \
    "SELECT id FROM report WHERE note IS NOT NULL AND agreement_id IN"       \
    " (SELECT id FROM agreement WHERE case_id IN (" S_CLOSED "))"

static const char s_sql_count[] =
    "SELECT (SELECT count(*) FROM cases c WHERE c.id IN (" S_CLOSED ")"
    "  AND (c.close_reason IS NOT NULL"
    "   OR EXISTS (SELECT 1 FROM referral f WHERE f.case_id = c.id)"
    "   OR EXISTS (SELECT 1 FROM membership m WHERE m.case_id = c.id))),"
    " (SELECT count(*) FROM referral WHERE id IN (" S_GONE ")),"
    " (SELECT count(*) FROM membership WHERE case_id IN (" S_CLOSED ")),"
    " (SELECT count(*) FROM notification WHERE status <> 'pending'"
    "  AND referral_id IN (" S_GONE ")),"
    " (SELECT count(*) FROM cases WHERE close_reason IS NOT NULL"
    "  AND id IN (" S_CLOSED ")) + (SELECT count(*) FROM report"
    "  WHERE id IN (" S_REPORTS "))";
static const char s_sql_notifications[] =
    "DELETE FROM notification WHERE status <> 'pending'"
    " AND referral_id IN (" S_GONE ")";
static const char s_sql_memberships[] =
    "DELETE FROM membership WHERE case_id IN (" S_CLOSED ")";
static const char s_sql_referrals[] =
    "DELETE FROM referral WHERE id IN (" S_GONE ")";
static const char s_sql_reasons[] =
    "UPDATE cases SET close_reason = NULL WHERE close_reason IS NOT NULL"
    " AND id IN (" S_CLOSED ")";
static const char s_sql_notes[] =
    "UPDATE report SET note = NULL WHERE id IN (" S_REPORTS ")";

/* The removals, in an order that needs no row already gone. */
static const char *const s_removals[] = {
    s_sql_notifications, s_sql_memberships, s_sql_referrals,
    s_sql_reasons, s_sql_notes};
#define S_REMOVALS 5

int64_t purge_cutoff(int64_t t, int months)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mon -= months;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

json_t *purge_counts_json(const purge_counts_t *c)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "cases",
                     (json_int_t)c->cases, "referrals",
                     (json_int_t)c->referrals, "memberships",
                     (json_int_t)c->memberships, "notifications",
                     (json_int_t)c->notifications, "notes",
                     (json_int_t)c->notes);
}

/* Binds the cutoffs a statement uses (some need only the first). */
static void s_bind(store_t *s, sqlite3_stmt *st, int64_t closed_cut,
                   int64_t active_cut)
{
    store_bind_int64(s, st, 1, closed_cut);
    if (sqlite3_bind_parameter_count(st) >= 2)
        store_bind_int64(s, st, 2, active_cut);
}

static int s_count(store_t *s, int64_t closed_cut, int64_t active_cut,
                   purge_counts_t *c)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_count);
    if (!st)
        return -1;
    s_bind(s, st, closed_cut, active_cut);
    if (store_step(s, st) != SQLITE_ROW)
        return -1;
    c->cases = sqlite3_column_int64(st, 0);
    c->referrals = sqlite3_column_int64(st, 1);
    c->memberships = sqlite3_column_int64(st, 2);
    c->notifications = sqlite3_column_int64(st, 3);
    c->notes = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    return 0;
}

/* Counts, removes and records, in the open transaction. */
static int s_remove(store_t *s, int64_t now, const char *actor,
                    int64_t closed_cut, int64_t active_cut,
                    purge_counts_t *c)
{
    if (s_count(s, closed_cut, active_cut, c) < 0)
        return -1;
    for (int i = 0; i < S_REMOVALS; i++) {
        sqlite3_stmt *st = store_prepare(s, s_removals[i]);
        if (!st)
            return -1;
        s_bind(s, st, closed_cut, active_cut);
        if (store_step(s, st) != SQLITE_DONE)
            return -1;
    }
    json_t *d = purge_counts_json(c);
    int rc = audit_add(s, now, actor, "purge.run", 0, 0, NULL, d);
    json_decref(d);
    return rc;
}

int purge_run(store_t *s, const cfg_t *cfg, int64_t now, bool dry_run,
              const char *actor, purge_counts_t *counts)
{
    *counts = (purge_counts_t){0};
    int64_t closed_cut = purge_cutoff(now, cfg->retention_months);
    int64_t active_cut = purge_cutoff(now, cfg->max_active_months);
    if (dry_run)
        return s_count(s, closed_cut, active_cut, counts);
    bool own = !store_in_transaction(s);
    if (own && store_begin(s) < 0)
        return -1;
    if (s_remove(s, now, actor, closed_cut, active_cut, counts) < 0) {
        if (own)
            store_rollback(s);
        return -1;
    }
    /* The WAL still holds the pages of what went: truncate it after the
     * commit (the database's own pages secure_delete overwrote). */
    if (counts->referrals || counts->memberships || counts->notifications ||
        counts->notes)
        store_scrub_after_commit(s);
    if (own && store_commit(s) < 0)
        return -1;
    log_notice("purge: done actor=%s cases=%lld referrals=%lld "
               "memberships=%lld notifications=%lld notes=%lld", actor,
               (long long)counts->cases, (long long)counts->referrals,
               (long long)counts->memberships,
               (long long)counts->notifications, (long long)counts->notes);
    return 0;
}

/*
 * agreehook — the agreements DESIGN asks for around a case and a partner
 * (see agreehook.h), made and changed through agree. Main thread only,
 * in the caller's write transaction.
 */
#include "agreehook.h"

#include "agree.h"
#include "cal.h"
#include "config/cfgagree.h"

#include <stdio.h>
#include <string.h>

static const char s_sql_of_case[] =
    "SELECT id FROM agreement WHERE case_id = ?1 AND status = 'open'"
    " AND (?2 IS NULL OR kind = ?2)";
static const char s_sql_partner_open[] =
    "SELECT id, period_days FROM agreement WHERE owner_type = 'partner'"
    " AND owner = ?1 AND kind = 'partner' AND status = 'open'";
static const char s_sql_case_type[] = "SELECT type FROM cases WHERE id = ?1";

/* The progress period of a case by its type; -1 on a store error. */
static int s_case_period(store_t *s, const cfg_t *cfg, int64_t case_id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_case_type);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, case_id);
    int rc = store_step(s, st);
    int period = cfg->progress_days_complex;
    if (rc == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "intensive") == 0)
        period = cfg->progress_days_intensive;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? period : -1;
}

/* Ids of the open agreements of a case (of one kind, or all). */
static int s_of_case(store_t *s, int64_t case_id, const char *kind,
                     int64_t *ids, int cap)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_of_case);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, case_id);
    if (kind)
        store_bind_text(s, st, 2, kind);
    int n = 0, rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        if (n < cap)
            ids[n++] = sqlite3_column_int64(st, 0);
    return rc == SQLITE_DONE ? n : -1;
}

int agreehook_new_case(store_t *s, const cfg_t *cfg, notify_t *n,
                       int64_t case_id, int64_t now)
{
    char desc[96];
    snprintf(desc, sizeof desc,
             "Een planregisseur toewijzen aan casus "
             "C-%06lld",
             (long long)case_id);
    agree_new_t a = {.kind = CFG_KIND_ASSIGN,
                     .owner_type = "kernteam",
                     .owner = "kernteam",
                     .case_id = case_id,
                     .description = desc,
                     .due_at = cal_add_days(now, cfg->assign_days),
                     .actor = "daemon"};
    int64_t id;
    return agree_make(s, cfg, n, &a, now, &id);
}

int agreehook_assign(store_t *s, const cfg_t *cfg, notify_t *n, int64_t case_id,
                     int64_t regisseur_id, int64_t now, const char *actor)
{
    int64_t ids[16];
    int k = s_of_case(s, case_id, "assign", ids, 16);
    for (int i = 0; i < k; i++) {
        agree_met_t met;
        if (agree_meet(s, cfg, ids[i], 0, now, actor, &met) < 0)
            return -1;
    }
    if (k < 0 || (k = s_of_case(s, case_id, "progress", ids, 16)) < 0)
        return -1;
    char owner[24];
    snprintf(owner, sizeof owner, "%lld", (long long)regisseur_id);
    for (int i = 0; i < k; i++) /* reassigned: the agreement moves */
        if (agree_move(s, cfg, ids[i], owner, now, actor) < 0)
            return -1;
    if (k > 0)
        return 0;
    agree_new_t a = {.kind = CFG_KIND_PROGRESS,
                     .owner_type = "regisseur",
                     .owner = owner,
                     .case_id = case_id,
                     .description = "Voortgangsrapportage over het plan",
                     .actor = actor};
    a.period_days = s_case_period(s, cfg, case_id);
    if (a.period_days < 0)
        return -1;
    a.due_at = cal_add_days(now, a.period_days);
    int64_t id;
    return agree_make(s, cfg, n, &a, now, &id);
}

int agreehook_type(store_t *s, const cfg_t *cfg, int64_t case_id,
                   const char *type, int64_t now)
{
    int period = strcmp(type, "intensive") == 0 ? cfg->progress_days_intensive
                                                : cfg->progress_days_complex;
    int64_t ids[16];
    int k = s_of_case(s, case_id, "progress", ids, 16);
    for (int i = 0; i < k; i++)
        if (agree_set_period(s, cfg, ids[i], period, now) < 0)
            return -1;
    return k < 0 ? -1 : 0;
}

int agreehook_close(store_t *s, int64_t case_id, const char *actor, int64_t now,
                    const cfg_t *cfg)
{
    int64_t ids[64];
    int k = s_of_case(s, case_id, NULL, ids, 64);
    for (int i = 0; i < k; i++)
        if (agree_close(s, cfg, ids[i], "de casus is gesloten", actor, now) < 0)
            return -1;
    return k < 0 ? -1 : 0;
}

/* Makes or updates the report agreement of partner p. */
static int s_sync_partner(store_t *s, const cfg_t *cfg, notify_t *n,
                          const cfg_partner_t *p, int64_t now)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_partner_open);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, p->id);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int period = sqlite3_column_int(st, 1);
        sqlite3_reset(st);
        if (period == p->report.every_days)
            return 0;
        return agree_set_period(s, cfg, id, p->report.every_days, now);
    }
    if (rc != SQLITE_DONE)
        return -1;
    int64_t due;
    if (!p->report.first_due || cal_parse(p->report.first_due, &due) < 0)
        due = cal_add_days(now - now % 60, p->report.every_days);
    agree_new_t a = {.kind = CFG_KIND_PARTNER,
                     .owner_type = "partner",
                     .owner = p->id,
                     .description = p->report.description,
                     .due_at = due,
                     .period_days = p->report.every_days,
                     .actor = "daemon"};
    int64_t id;
    return agree_make(s, cfg, n, &a, now, &id);
}

int agreehook_sync_partners(store_t *s, const cfg_t *cfg, notify_t *n,
                            int64_t now)
{
    for (size_t i = 0; i < cfg->partners_n; i++)
        if (cfg->partners[i].report.enabled &&
            s_sync_partner(s, cfg, n, &cfg->partners[i], now) < 0)
            return -1;
    return 0;
}

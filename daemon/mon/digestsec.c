/*
 * digestsec — the weekly digest's text sections, from the store (see
 * digestsec.h). Main thread only.
 */
#include "digestsec.h"

#include "cal.h"
#include "digestword.h"
#include "strbuf.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DAY 86400
#define S_RECONCILE_DAYS 28 /* counts that did not reconcile, this far back */

/* What the sections found late, for the summary line. */
typedef struct {
    int overdue, partners, unassigned;
} s_late_t;

static const char s_sql_overdue[] =
    "SELECT id, kind, owner_type, owner, case_id, due_at, level, occurrence"
    " FROM agreement WHERE status = 'open' AND due_at < ?1"
    " ORDER BY CASE owner_type WHEN 'regisseur' THEN 0 WHEN 'partner'"
    " THEN 1 WHEN 'kernteam' THEN 2 ELSE 3 END, owner, due_at, id";
static const char s_sql_not_delivered[] =
    "SELECT reason FROM report WHERE agreement_id = ?1 AND occurrence = ?2"
    " AND status = 'not_delivered' AND reason IS NOT NULL"
    " ORDER BY received_at, id";
static const char s_sql_extended[] =
    "SELECT json_extract(details, '$.reason') FROM event"
    " WHERE agreement_id = ?1 AND action = 'agreement.extended'"
    " AND at > coalesce((SELECT max(at) FROM occurrence"
    " WHERE agreement_id = ?1), 0) ORDER BY at, id";
static const char s_sql_partner_agreements[] =
    "SELECT id, owner, period_days, status = 'open' AND due_at < ?1"
    " FROM agreement WHERE kind = 'partner' AND owner_type = 'partner'"
    " ORDER BY owner, id";
static const char s_sql_outcomes[] =
    "SELECT outcome FROM occurrence WHERE agreement_id = ?1 ORDER BY n DESC";
static const char s_sql_unreconciled[] =
    "SELECT period, count, received, received_at FROM report"
    " WHERE agreement_id = ?1 AND reconciled = 0 AND received_at >= ?2"
    " ORDER BY received_at, id";
static const char s_sql_unassigned[] =
    "SELECT id, opened_at FROM cases WHERE status = 'open'"
    " AND regisseur_id IS NULL ORDER BY opened_at, id";
static const char s_sql_week_referrals[] =
    "SELECT partner, count(*) FROM referral WHERE received_at >= ?1"
    " AND received_at < ?2 GROUP BY partner ORDER BY partner";
static const char s_sql_week_cases[] =
    "SELECT (SELECT count(*) FROM cases WHERE opened_at >= ?1"
    " AND opened_at < ?2), (SELECT count(*) FROM cases"
    " WHERE assigned_at >= ?1 AND assigned_at < ?2)";
static const char s_sql_week_reports[] =
    "SELECT coalesce(sum(o.outcome = 'met'), 0),"
    " coalesce(sum(o.outcome = 'met_late'), 0),"
    " coalesce(sum(o.outcome = 'missed'), 0) FROM occurrence o"
    " JOIN agreement a ON a.id = o.agreement_id"
    " WHERE a.kind = 'progress' AND o.at >= ?1 AND o.at < ?2";

/* A reason on one line, in quotes, after its label. */
static void s_reason(strbuf_t *b, const char *label, const char *text)
{
    char *line = digestword_line(text, DIGESTWORD_REASON_MAX);
    strbuf_printf(b, "    %s: \"%s\"\n", label, line);
    free(line);
}

/* ------------------------------------------------------------ overdue */

/* Every reason of one query (bound to agreement id and occurrence n). */
static int s_reasons(store_t *s, const char *sql, const char *label, int64_t id,
                     int n, strbuf_t *b)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    if (sqlite3_bind_parameter_count(st) >= 2)
        store_bind_int64(s, st, 2, n);
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            s_reason(b, label, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* One overdue agreement: its line and the reasons given. */
static int s_overdue_one(store_t *s, sqlite3_stmt *st, int64_t now, strbuf_t *b)
{
    int64_t id = sqlite3_column_int64(st, 0);
    int64_t due = sqlite3_column_int64(st, 5);
    char date[40];
    strbuf_printf(b, "- A-%06lld %s", (long long)id,
                  digestword_kind((const char *)sqlite3_column_text(st, 1)));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
        strbuf_printf(b, ", casus C-%06lld", sqlite3_column_int64(st, 4));
    strbuf_printf(b, ": ");
    digestword_days(b, now - due);
    strbuf_printf(b, " te laat (verwacht %s), ",
                  cal_date_nl(due, date, sizeof date));
    digestword_level(b, sqlite3_column_int(st, 6));
    strbuf_printf(b, "\n");
    int n = sqlite3_column_int(st, 7);
    if (s_reasons(s, s_sql_not_delivered, "niet geleverd", id, n, b) < 0 ||
        s_reasons(s, s_sql_extended, "uitstel", id, n, b) < 0)
        return -1;
    return 0;
}

static int s_overdue(const cfg_t *cfg, store_t *s, int64_t now, strbuf_t *b,
                     s_late_t *late)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_overdue);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    char *last = NULL;
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        char *who = xasprintf("%s:%s", sqlite3_column_text(st, 2),
                              sqlite3_column_text(st, 3));
        if (!last || strcmp(last, who) != 0) {
            strbuf_printf(b, "%s", last ? "\n" : "");
            if (digestword_owner(
                    cfg, s, (const char *)sqlite3_column_text(st, 2),
                    (const char *)sqlite3_column_text(st, 3), b) < 0)
                rc = -1;
            strbuf_printf(b, ":\n");
        }
        free(last);
        last = who;
        late->overdue++;
        if (rc < 0 || s_overdue_one(s, st, now, b) < 0) {
            rc = -1;
            break;
        }
    }
    free(last);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE && late->overdue == 0)
        strbuf_printf(b, "Geen afspraken te laat.\n");
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ partners */

/* Consecutive missed occurrences from the latest ended one back. */
static int s_missed_in_row(store_t *s, int64_t id, int *n)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_outcomes);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int rc;
    *n = 0;
    while ((rc = store_step(s, st)) == SQLITE_ROW &&
           strcmp((const char *)sqlite3_column_text(st, 0), "missed") == 0)
        (*n)++;
    sqlite3_reset(st);
    return rc < 0 ? -1 : 0;
}

/* The reports of agreement id whose count did not reconcile lately. */
static int s_unreconciled(store_t *s, int64_t id, int64_t now, strbuf_t *b)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_unreconciled);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, now - (int64_t)S_RECONCILE_DAYS * S_DAY);
    int rc;
    char date[40];
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        const char *period = (const char *)sqlite3_column_text(st, 0);
        strbuf_printf(b,
                      "  - rapportage over %s: gemeld %lld, ontvangen "
                      "door regie %lld\n",
                      period ? period
                             : cal_date_nl(sqlite3_column_int64(st, 3), date,
                                           sizeof date),
                      sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* One partner agreement: missed in a row and counts not reconciled. */
static int s_partner_one(const cfg_t *cfg, store_t *s, sqlite3_stmt *st,
                         int64_t now, strbuf_t *b, s_late_t *late)
{
    int64_t id = sqlite3_column_int64(st, 0);
    const char *owner = (const char *)sqlite3_column_text(st, 1);
    bool weekly = sqlite3_column_int(st, 2) == 7;
    int missed;
    strbuf_t lines = {0};
    if (s_missed_in_row(s, id, &missed) < 0 ||
        s_unreconciled(s, id, now, &lines) < 0) {
        strbuf_clear(&lines);
        return -1;
    }
    missed += sqlite3_column_int(st, 3);
    if (missed == 0 && lines.len == 0)
        return 0;
    const cfg_partner_t *p = cfg_partner_by_id(cfg, owner);
    strbuf_printf(b, "%s (A-%06lld)%s%s:\n", p ? p->name : owner, (long long)id,
                  p && p->contact ? "; contact " : "",
                  p && p->contact ? p->contact : "");
    if (missed == 1)
        strbuf_printf(b, "  - 1 %s gemist\n", weekly ? "week" : "keer");
    else if (missed > 1)
        strbuf_printf(b, "  - %d %s op rij gemist\n", missed,
                      weekly ? "weken" : "keer");
    strbuf_printf(b, "%s", lines.p ? lines.p : "");
    strbuf_clear(&lines);
    late->partners++;
    return 0;
}

static int s_partners(const cfg_t *cfg, store_t *s, int64_t now, strbuf_t *b,
                      s_late_t *late)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_partner_agreements);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        if (s_partner_one(cfg, s, st, now, b, late) < 0) {
            rc = -1;
            break;
        }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE && late->partners == 0)
        strbuf_printf(b, "Geen gemiste of afwijkende rapportages.\n");
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ cases */

static int s_unassigned(store_t *s, int64_t now, strbuf_t *b, s_late_t *late)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_unassigned);
    if (!st)
        return -1;
    int rc;
    char date[40];
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        int64_t opened = sqlite3_column_int64(st, 1);
        strbuf_printf(b, "- C-%06lld wacht ", sqlite3_column_int64(st, 0));
        digestword_days(b, now - opened);
        strbuf_printf(b, " (sinds %s)\n",
                      cal_date_nl(opened, date, sizeof date));
        late->unassigned++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE && late->unassigned == 0)
        strbuf_printf(b, "Alle open casussen hebben een planregisseur.\n");
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ figures */

/* Binds the week before now. */
static sqlite3_stmt *s_week_stmt(store_t *s, const char *sql, int64_t now)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (st) {
        store_bind_int64(s, st, 1, now - 7 * S_DAY);
        store_bind_int64(s, st, 2, now);
    }
    return st;
}

static int s_figure_referrals(const cfg_t *cfg, store_t *s, int64_t now,
                              strbuf_t *b)
{
    sqlite3_stmt *st = s_week_stmt(s, s_sql_week_referrals, now);
    if (!st)
        return -1;
    long long total = 0;
    int rc;
    strbuf_printf(b, "Verwijzingen en meldingen per partner:\n");
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const cfg_partner_t *p = cfg_partner_by_id(cfg, id);
        total += sqlite3_column_int64(st, 1);
        strbuf_printf(b, "  %-40s %6lld\n", p ? p->name : id,
                      sqlite3_column_int64(st, 1));
    }
    sqlite3_reset(st);
    strbuf_printf(b, "  %-40s %6lld\n", "Totaal", total);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int s_figures(const cfg_t *cfg, store_t *s, int64_t now, strbuf_t *b)
{
    if (s_figure_referrals(cfg, s, now, b) < 0)
        return -1;
    sqlite3_stmt *st = s_week_stmt(s, s_sql_week_cases, now);
    if (!st || store_step(s, st) != SQLITE_ROW)
        return -1;
    strbuf_printf(b,
                  "Nieuwe casussen: %lld\nToegewezen aan een "
                  "planregisseur: %lld\n",
                  sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    st = s_week_stmt(s, s_sql_week_reports, now);
    if (!st || store_step(s, st) != SQLITE_ROW)
        return -1;
    strbuf_printf(b,
                  "Voortgangsrapportages: %lld op tijd, %lld te laat, "
                  "%lld gemist\n",
                  sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                  sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return 0;
}

/* ------------------------------------------------------------ digest */

static char *s_summary(const s_late_t *l)
{
    if (!l->overdue && !l->partners && !l->unassigned)
        return xstrdup("Er is deze week niets te laat.");
    return xasprintf("Te laat of open: %d %s over tijd, %d %s met gemiste "
                     "of afwijkende rapportages, %d %s zonder "
                     "planregisseur.",
                     l->overdue, l->overdue == 1 ? "afspraak" : "afspraken",
                     l->partners, l->partners == 1 ? "partner" : "partners",
                     l->unassigned, l->unassigned == 1 ? "casus" : "casussen");
}

int digestsec_make(const cfg_t *cfg, store_t *s, int64_t now, digestsec_t *out)
{
    strbuf_t sec[4] = {{0}};
    s_late_t late = {0};
    memset(out, 0, sizeof *out);
    if (s_overdue(cfg, s, now, &sec[0], &late) < 0 ||
        s_partners(cfg, s, now, &sec[1], &late) < 0 ||
        s_unassigned(s, now, &sec[2], &late) < 0 ||
        s_figures(cfg, s, now, &sec[3]) < 0) {
        for (int i = 0; i < 4; i++)
            strbuf_clear(&sec[i]);
        return -1;
    }
    out->summary = s_summary(&late);
    out->overdue = strbuf_take(&sec[0]);
    out->partners = strbuf_take(&sec[1]);
    out->unassigned = strbuf_take(&sec[2]);
    out->figures = strbuf_take(&sec[3]);
    return 0;
}

void digestsec_clear(digestsec_t *sec)
{
    free(sec->summary);
    free(sec->overdue);
    free(sec->partners);
    free(sec->unassigned);
    free(sec->figures);
    memset(sec, 0, sizeof *sec);
}

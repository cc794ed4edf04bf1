/*
 * digest — the weekly digest: its sections, built from the store, put
 * in the template, queued in the outbox. Main thread only.
 */
#include "digest.h"

#include "cal.h"

#include "cases/regisseur.h"
#include "log.h"
#include "mail/outbox.h"
#include "mail/tmpl.h"
#include "ref.h"
#include "stats.h"
#include "store/audit.h"
#include "strbuf.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_DAY 86400
#define S_REASON_MAX 200    /* characters of a reason shown */
#define S_RECONCILE_DAYS 28 /* counts that did not reconcile, this far back */

static const char *const s_names[] = {"week",       "date",    "gemeente",
                                      "summary",    "overdue", "partners",
                                      "unassigned", "figures"};
#define S_NAMES 8

struct digest {
    const cfg_t *cfg; /* borrowed */
    tmpl_t *tmpl;     /* NULL: mail is off */
};

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
static const char s_sql_queued[] = "SELECT 1 FROM notification WHERE key = ?1";
static const char s_sql_any[] =
    "SELECT 1 FROM notification WHERE key LIKE 'digest/%' LIMIT 1";

/* ------------------------------------------------------------ lifecycle */

digest_t *digest_new(const cfg_t *cfg)
{
    digest_t *d = xcalloc(1, sizeof *d);
    d->cfg = cfg;
    if (!cfg->mail.enabled)
        return d;
    char *path = cfg_template(cfg, DIGEST_TEMPLATE);
    char err[512];
    d->tmpl = tmpl_load(path, s_names, S_NAMES, err, sizeof err);
    free(path);
    if (!d->tmpl) {
        log_plain(LOG_LEVEL_ERR, "%s", err);
        digest_destroy(&d);
    }
    return d;
}

void digest_destroy(digest_t **p)
{
    if (!p || !*p)
        return;
    tmpl_destroy(&(*p)->tmpl);
    free(*p);
    *p = NULL;
}

bool digest_enabled(const digest_t *d)
{
    return d && d->tmpl && d->cfg->digest_weekday >= 0;
}

int64_t digest_next_at(const cfg_t *cfg, int64_t now)
{
    if (cfg->digest_weekday < 0)
        return -1;
    time_t tt = (time_t)now;
    struct tm tm;
    localtime_r(&tt, &tm);
    for (int ahead = 0; ahead <= 7; ahead++) {
        struct tm c = tm;
        c.tm_mday += (cfg->digest_weekday - tm.tm_wday + 7) % 7 + ahead;
        c.tm_hour = cfg->digest_minute / 60;
        c.tm_min = cfg->digest_minute % 60;
        c.tm_sec = 0;
        c.tm_isdst = -1;
        int64_t t = (int64_t)mktime(&c);
        if (t > now && c.tm_wday == cfg->digest_weekday)
            return t;
    }
    return -1; /* not reached */
}

char *digest_key(int64_t now, char *buf, size_t len)
{
    char week[STATS_WEEK_MAX];
    snprintf(buf, len, "digest/%s", stats_iso_week(now, week, sizeof week));
    return buf;
}

/* ------------------------------------------------------------ words */

static const char *s_kind(const char *kind)
{
    return strcmp(kind, "progress") == 0  ? "voortgangsrapportage"
           : strcmp(kind, "assign") == 0  ? "planregisseur toewijzen"
           : strcmp(kind, "partner") == 0 ? "periodieke rapportage"
           : strcmp(kind, "request") == 0 ? "verzoek"
                                          : "afspraak";
}

static void s_level(strbuf_t *b, int level)
{
    if (level <= 0)
        strbuf_printf(b, "nog niet geëscaleerd");
    else if (level == 1)
        strbuf_printf(b, "geëscaleerd naar het Kernteam");
    else if (level == 2)
        strbuf_printf(b, "geëscaleerd naar de gemeente");
    else
        strbuf_printf(b, "escalatieniveau %d", level);
}

static void s_days(strbuf_t *b, int64_t seconds)
{
    int64_t days = seconds / S_DAY;
    if (days < 1)
        strbuf_printf(b, "minder dan een dag");
    else
        strbuf_printf(b, "%lld %s", (long long)days,
                      days == 1 ? "dag" : "dagen");
}

/* A reason on one line, at most S_REASON_MAX characters, in quotes. */
static void s_reason(strbuf_t *b, const char *label, const char *text)
{
    char *line = xstrdup(text);
    size_t chars = 0, i = 0;
    for (unsigned char *p = (unsigned char *)line; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
        if ((*p & 0xC0) != 0x80 && ++chars > S_REASON_MAX) {
            line[i] = '\0';
            break;
        }
        i++;
    }
    strbuf_printf(b, "    %s: \"%s%s\"\n", label, line,
                  chars > S_REASON_MAX ? "..." : "");
    free(line);
}

/* ------------------------------------------------------------ overdue */

/* The heading of an owner: "Regisseur A. Jansen (Leger des Heils)". */
static int s_owner(digest_t *d, store_t *s, const char *type, const char *owner,
                   strbuf_t *b)
{
    if (strcmp(type, "regisseur") == 0) {
        regisseur_contact_t c;
        int rc = regisseur_contact(s, atoll(owner), &c);
        if (rc == 1)
            strbuf_printf(b, "Regisseur %s (%s)", c.name, c.organisation);
        else
            strbuf_printf(b, "Regisseur RG-%06lld", atoll(owner));
        regisseur_contact_clear(&c);
        return rc < 0 ? -1 : 0;
    }
    if (strcmp(type, "partner") == 0) {
        const cfg_partner_t *p = cfg_partner_by_id(d->cfg, owner);
        strbuf_printf(b, "Partner %s", p ? p->name : owner);
    } else if (strcmp(type, "department") == 0) {
        const cfg_department_t *dep = cfg_department(d->cfg, owner);
        strbuf_printf(b, "Afdeling %s", dep ? dep->addr.name : owner);
    } else {
        strbuf_printf(b, "%s",
                      d->cfg->mail.kernteam.name ? d->cfg->mail.kernteam.name
                                                 : "Kernteam");
    }
    return 0;
}

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
                  s_kind((const char *)sqlite3_column_text(st, 1)));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL)
        strbuf_printf(b, ", casus C-%06lld", sqlite3_column_int64(st, 4));
    strbuf_printf(b, ": ");
    s_days(b, now - due);
    strbuf_printf(b, " te laat (verwacht %s), ",
                  cal_date_nl(due, date, sizeof date));
    s_level(b, sqlite3_column_int(st, 6));
    strbuf_printf(b, "\n");
    int n = sqlite3_column_int(st, 7);
    if (s_reasons(s, s_sql_not_delivered, "niet geleverd", id, n, b) < 0 ||
        s_reasons(s, s_sql_extended, "uitstel", id, n, b) < 0)
        return -1;
    return 0;
}

static int s_overdue(digest_t *d, store_t *s, int64_t now, strbuf_t *b,
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
            if (s_owner(d, s, (const char *)sqlite3_column_text(st, 2),
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
static int s_partner_one(digest_t *d, store_t *s, sqlite3_stmt *st, int64_t now,
                         strbuf_t *b, s_late_t *late)
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
    const cfg_partner_t *p = cfg_partner_by_id(d->cfg, owner);
    strbuf_printf(b, "%s (A-%06lld)%s%s:\n", p ? p->name : owner,
                  (long long)id, p && p->contact ? "; contact " : "",
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

static int s_partners(digest_t *d, store_t *s, int64_t now, strbuf_t *b,
                      s_late_t *late)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_partner_agreements);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        if (s_partner_one(d, s, st, now, b, late) < 0) {
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
        s_days(b, now - opened);
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

static int s_figure_referrals(digest_t *d, store_t *s, int64_t now, strbuf_t *b)
{
    sqlite3_stmt *st = s_week_stmt(s, s_sql_week_referrals, now);
    if (!st)
        return -1;
    long long total = 0;
    int rc;
    strbuf_printf(b, "Verwijzingen en meldingen per partner:\n");
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const cfg_partner_t *p = cfg_partner_by_id(d->cfg, id);
        total += sqlite3_column_int64(st, 1);
        strbuf_printf(b, "  %-40s %6lld\n", p ? p->name : id,
                      sqlite3_column_int64(st, 1));
    }
    sqlite3_reset(st);
    strbuf_printf(b, "  %-40s %6lld\n", "Totaal", total);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int s_figures(digest_t *d, store_t *s, int64_t now, strbuf_t *b)
{
    if (s_figure_referrals(d, s, now, b) < 0)
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

int digest_render(digest_t *d, store_t *s, int64_t now, char **subject,
                  char **body)
{
    *subject = *body = NULL;
    if (!d->tmpl)
        return -1;
    strbuf_t sec[4] = {{0}};
    s_late_t late = {0};
    if (s_overdue(d, s, now, &sec[0], &late) < 0 ||
        s_partners(d, s, now, &sec[1], &late) < 0 ||
        s_unassigned(s, now, &sec[2], &late) < 0 ||
        s_figures(d, s, now, &sec[3]) < 0) {
        for (int i = 0; i < 4; i++)
            strbuf_clear(&sec[i]);
        return -1;
    }
    char week[STATS_WEEK_MAX], date[40];
    char *text[5] = {s_summary(&late)};
    for (int i = 0; i < 4; i++)
        text[i + 1] = strbuf_take(&sec[i]);
    tmpl_var_t vars[S_NAMES] = {
        {"week", stats_iso_week(now, week, sizeof week)},
        {"date", cal_date_nl(now, date, sizeof date)},
        {"gemeente", d->cfg->mail.gemeente.name},
        {"summary", text[0]},
        {"overdue", text[1]},
        {"partners", text[2]},
        {"unassigned", text[3]},
        {"figures", text[4]},
    };
    tmpl_render(d->tmpl, vars, S_NAMES, subject, body);
    for (int i = 0; i < 5; i++)
        free(text[i]);
    return 0;
}

/* Whether the digest with this key is in the outbox already. */
static int s_queued(store_t *s, const char *key)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_queued);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, key);
    int rc = store_step(s, st);
    sqlite3_reset(st);
    return rc < 0 ? -1 : rc == SQLITE_ROW;
}

int digest_queued_before(store_t *s)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_any);
    if (!st)
        return -1;
    int rc = store_step(s, st);
    sqlite3_reset(st);
    return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* Renders and queues, in the open transaction. */
static int s_queue(digest_t *d, store_t *s, int64_t now, const char *actor,
                   const char *key)
{
    int queued = s_queued(s, key);
    if (queued != 0)
        return queued < 0 ? -1 : 0;
    char *subject, *body;
    if (digest_render(d, s, now, &subject, &body) < 0)
        return -1;
    const cfg_address_t *to = &d->cfg->mail.gemeente;
    outbox_note_t note = {.key = key,
                          .to = to->email,
                          .to_name = to->name,
                          .subject = subject,
                          .body = body};
    json_t *det = json_pack("{s:s}", "week", key + strlen("digest/"));
    int rc =
        outbox_add(s, &note, now) == 0 &&
                audit_add(s, now, actor, "digest.sent", 0, 0, key, det) == 0
            ? 1
            : -1;
    json_decref(det);
    free(subject);
    free(body);
    return rc;
}

int digest_queue(digest_t *d, store_t *s, int64_t now, const char *actor)
{
    if (!d->tmpl)
        return 0;
    char key[DIGEST_KEY_MAX];
    digest_key(now, key, sizeof key);
    bool own = !store_in_transaction(s);
    if (own && store_begin(s) < 0)
        return -1;
    int rc = s_queue(d, s, now, actor, key);
    if (own && rc < 0)
        store_rollback(s);
    else if (own && store_commit(s) < 0)
        rc = -1;
    if (rc == 1)
        log_info("digest: queued key=%s actor=%s", key, actor);
    return rc;
}

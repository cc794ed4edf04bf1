/*
 * digest — the weekly digest: its sections (digestsec), the agreements
 * late longest (digestlate) and the numbers of the last weeks (chart),
 * put in the template, queued in the outbox. Main thread only.
 */
#include "digest.h"

#include "cal.h"
#include "chart.h"
#include "digestlate.h"
#include "digestsec.h"
#include "log.h"
#include "mail/outbox.h"
#include "mail/tmpl.h"
#include "stats.h"
#include "store/audit.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const s_names[] = {
    "week",     "date",       "gemeente", "summary", "overdue",
    "partners", "unassigned", "figures",  "weeks",   "longest"};
#define S_NAMES 10

struct digest {
    const cfg_t *cfg; /* borrowed */
    tmpl_t *tmpl;     /* NULL: mail is off */
};

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

/* The charts' numbers and the agreements late longest, as text, into
 * *weeks and *longest. Returns 0, or -1 on a store error. */
static int s_chart(digest_t *d, store_t *s, int64_t now, char **weeks,
                   char **longest)
{
    problem_t pb = {0};
    json_t *chart = chart_data(s, d->cfg, now, &pb);
    json_t *late = chart ? digestlate_rows(d->cfg, s, now) : NULL;
    if (late) {
        *weeks = chart_text(chart);
        *longest = digestlate_text(late);
    }
    json_decref(chart);
    json_decref(late);
    return late ? 0 : -1;
}

int digest_render(digest_t *d, store_t *s, int64_t now, char **subject,
                  char **body)
{
    *subject = *body = NULL;
    digestsec_t sec;
    char *weeks, *longest;
    if (!d->tmpl || s_chart(d, s, now, &weeks, &longest) < 0)
        return -1;
    if (digestsec_make(d->cfg, s, now, &sec) < 0) {
        free(weeks);
        free(longest);
        return -1;
    }
    char week[STATS_WEEK_MAX], date[40];
    tmpl_var_t vars[S_NAMES] = {
        {"week", stats_iso_week(now, week, sizeof week)},
        {"date", cal_date_nl(now, date, sizeof date)},
        {"gemeente", d->cfg->mail.gemeente.name},
        {"summary", sec.summary},
        {"overdue", sec.overdue},
        {"partners", sec.partners},
        {"unassigned", sec.unassigned},
        {"figures", sec.figures},
        {"weeks", weeks},
        {"longest", longest},
    };
    tmpl_render(d->tmpl, vars, S_NAMES, subject, body);
    digestsec_clear(&sec);
    free(weeks);
    free(longest);
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

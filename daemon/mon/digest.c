/*
 * digest — the weekly digest: its facts gathered (digestsec, digestlate,
 * chart), put in the text and HTML templates with the chart drawn
 * (chartpng, digesthtml), queued in the outbox. Main thread only.
 */
#include "digest.h"

#include "cal.h"
#include "chart.h"
#include "chartpng.h"
#include "digesthtml.h"
#include "digestlate.h"
#include "digestsec.h"
#include "log.h"
#include "mail/outbox.h"
#include "mail/tmpl.h"
#include "stats.h"
#include "store/audit.h"
#include "xmem.h"

#include <sodium.h>
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
    tmpl_t *tmpl;     /* digest.txt; NULL: mail is off */
    tmpl_t *html;     /* digest.html; NULL: mail is off */
};

/* The facts of a digest, for both its parts; owned, see s_facts_clear. */
typedef struct {
    digestsec_t sec;
    json_t *chart, *late;
    char *weeks, *longest;
    char week[STATS_WEEK_MAX], date[40];
} s_facts_t;

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
    char *html = cfg_template(cfg, DIGEST_HTML_TEMPLATE);
    char err[512];
    d->tmpl = tmpl_load(path, s_names, S_NAMES, err, sizeof err);
    if (d->tmpl)
        d->html = tmpl_load_html(html, digesthtml_names, digesthtml_names_n,
                                 err, sizeof err);
    free(path);
    free(html);
    if (!d->tmpl || !d->html) {
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
    tmpl_destroy(&(*p)->html);
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

/* ------------------------------------------------------------ render */

static void s_facts_clear(s_facts_t *f)
{
    digestsec_clear(&f->sec);
    json_decref(f->chart);
    json_decref(f->late);
    free(f->weeks);
    free(f->longest);
    memset(f, 0, sizeof *f);
}

/* Gathers the facts as of now. Returns 0, or -1 on a store error. */
static int s_facts(digest_t *d, store_t *s, int64_t now, s_facts_t *f)
{
    problem_t pb = {0};
    memset(f, 0, sizeof *f);
    f->chart = chart_data(s, d->cfg, now, &pb);
    f->late = f->chart ? digestlate_rows(d->cfg, s, now) : NULL;
    if (!f->late || digestsec_make(d->cfg, s, now, &f->sec) < 0) {
        s_facts_clear(f);
        return -1;
    }
    f->weeks = chart_text(f->chart);
    f->longest = digestlate_text(f->late);
    stats_iso_week(now, f->week, sizeof f->week);
    cal_date_nl(now, f->date, sizeof f->date);
    return 0;
}

/* The text part: the subject and body of digest.txt. */
static void s_text(digest_t *d, const s_facts_t *f, digest_mail_t *out)
{
    tmpl_var_t vars[S_NAMES] = {
        {"week", f->week},
        {"date", f->date},
        {"gemeente", d->cfg->mail.gemeente.name},
        {"summary", f->sec.summary},
        {"overdue", f->sec.overdue},
        {"partners", f->sec.partners},
        {"unassigned", f->sec.unassigned},
        {"figures", f->sec.figures},
        {"weeks", f->weeks},
        {"longest", f->longest},
    };
    tmpl_render(d->tmpl, vars, S_NAMES, &out->subject, &out->body);
}

/* The HTML part and its picture, or neither when it cannot be drawn. */
static void s_html(digest_t *d, const s_facts_t *f, const char *chart_src,
                   digest_mail_t *out)
{
    out->png = chartpng_draw(f->chart, &out->png_len);
    if (!out->png) {
        log_warn("digest: without its chart and HTML week=%s", f->week);
        return;
    }
    digesthtml_in_t in = {.week = f->week,
                          .date = f->date,
                          .gemeente = d->cfg->mail.gemeente.name,
                          .sec = &f->sec,
                          .weeks = f->weeks,
                          .longest = f->longest,
                          .chart = f->chart,
                          .late = f->late,
                          .chart_src = chart_src};
    out->html = digesthtml_render(d->html, &in);
}

int digest_render(digest_t *d, store_t *s, int64_t now, const char *chart_src,
                  digest_mail_t *out)
{
    memset(out, 0, sizeof *out);
    s_facts_t f;
    if (!d->tmpl || s_facts(d, s, now, &f) < 0)
        return -1;
    s_text(d, &f, out);
    s_html(d, &f, chart_src, out);
    out->chart = json_incref(f.chart);
    s_facts_clear(&f);
    return 0;
}

void digest_mail_clear(digest_mail_t *m)
{
    free(m->subject);
    free(m->body);
    free(m->html);
    free(m->png);
    json_decref(m->chart);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ queue */

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

/* The Content-ID of the chart of a digest of week: "chart.2026-W02.
 * <random>@<domain of the From address>", written into buf. */
static void s_cid(const cfg_t *cfg, const char *week, char *buf, size_t len)
{
    unsigned char r[8];
    char hex[2 * sizeof r + 1];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    const char *at =
        cfg->mail.from.email ? strchr(cfg->mail.from.email, '@') : NULL;
    snprintf(buf, len, "chart.%s.%s@%s", week, hex,
             at && at[1] ? at + 1 : "regie");
}

/* Renders and queues, in the open transaction. */
static int s_queue(digest_t *d, store_t *s, int64_t now, const char *actor,
                   const char *key)
{
    int queued = s_queued(s, key);
    if (queued != 0)
        return queued < 0 ? -1 : 0;
    char cid[128], *src;
    s_cid(d->cfg, key + strlen("digest/"), cid, sizeof cid);
    src = xasprintf("cid:%s", cid);
    digest_mail_t m;
    int rc = digest_render(d, s, now, src, &m);
    free(src);
    if (rc < 0)
        return -1;
    const cfg_address_t *to = &d->cfg->mail.gemeente;
    mime_part_t png = {.content_type = "image/png",
                       .cid = cid,
                       .filename = "chart.png",
                       .data = m.png,
                       .len = m.png_len};
    outbox_note_t note = {.key = key,
                          .to = to->email,
                          .to_name = to->name,
                          .subject = m.subject,
                          .body = m.body,
                          .html = m.html,
                          .parts = m.html ? &png : NULL,
                          .n_parts = m.html ? 1 : 0};
    json_t *det = json_pack("{s:s}", "week", key + strlen("digest/"));
    rc = outbox_add(s, &note, now) == 0 &&
                 audit_add(s, now, actor, "digest.sent", 0, 0, key, det) == 0
             ? 1
             : -1;
    json_decref(det);
    digest_mail_clear(&m);
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

/*
 * metrics — counters in memory, gauges from the store, and the atomic
 * replacement of the metrics file. Main thread only.
 */
#include "metrics.h"

#include "log.h"
#include "mail/outbox.h"
#include "strbuf.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Upper bounds of the latency histogram's buckets, in seconds. */
static const double s_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
#define S_BUCKETS (sizeof s_bounds / sizeof *s_bounds)

static const char *const s_kinds[] = {"progress", "assign", "partner",
                                      "request", "custom"};
#define S_KINDS 5
#define S_LEVELS 3 /* levels always shown: 0 reminders, 1, 2 */

typedef struct {
    char *partner;
    char *error;     /* NULL: accepted */
    int64_t n;
} s_counter_t;

struct metrics {
    s_counter_t *counters;       /* referrals, in order of first use */
    size_t counters_n;
    int64_t buckets[S_BUCKETS];  /* observations <= each bound */
    int64_t observations;
    double sum;                  /* of observed seconds */
    int64_t start;
    bool failing;                /* the last write failed (logged) */
    const tally_t *zap;          /* zap's refusals, borrowed */
    tally_totals_t guard;        /* the guard's, as last reported */
};

static const char s_sql_cases[] =
    "SELECT count(*) FROM cases WHERE status = 'open'";
static const char s_sql_agreements[] =
    "SELECT kind, level, count(*), coalesce(sum(due_at < ?1), 0)"
    " FROM agreement WHERE status = 'open' GROUP BY kind, level"
    " ORDER BY kind, level";
static const char s_sql_last_sent[] =
    "SELECT coalesce(max(sent_at), 0) FROM notification";
static const char s_sql_pages[] = "PRAGMA page_count";
static const char s_sql_page_size[] = "PRAGMA page_size";

metrics_t *metrics_new(int64_t start)
{
    metrics_t *m = xcalloc(1, sizeof *m);
    m->start = start;
    return m;
}

void metrics_destroy(metrics_t **p)
{
    if (!p || !*p)
        return;
    for (size_t i = 0; i < (*p)->counters_n; i++) {
        free((*p)->counters[i].partner);
        free((*p)->counters[i].error);
    }
    free((*p)->counters);
    free(*p);
    *p = NULL;
}

static bool s_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void metrics_referral(metrics_t *m, const char *partner, const char *error)
{
    partner = partner ? partner : "unknown";
    for (size_t i = 0; i < m->counters_n; i++)
        if (strcmp(m->counters[i].partner, partner) == 0 &&
            s_same(m->counters[i].error, error)) {
            m->counters[i].n++;
            return;
        }
    m->counters = xrealloc(m->counters,
                           (m->counters_n + 1) * sizeof *m->counters);
    m->counters[m->counters_n++] = (s_counter_t){
        xstrdup(partner), error ? xstrdup(error) : NULL, 1};
}

void metrics_latency(metrics_t *m, double seconds)
{
    for (size_t i = 0; i < S_BUCKETS; i++)
        if (seconds <= s_bounds[i])
            m->buckets[i]++;
    m->observations++;
    m->sum += seconds;
}

/* ------------------------------------------------------------ text */

/* A label value with \, " and newline escaped; the caller frees. */
static char *s_label(const char *v)
{
    char *out = xmalloc(strlen(v) * 2 + 1), *o = out;
    for (; *v; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n')
            *o++ = '\\';
        *o++ = *v == '\n' ? 'n' : *v;
    }
    *o = '\0';
    return out;
}

static void s_head(strbuf_t *b, const char *name, const char *type,
                   const char *help)
{
    strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void s_referrals(const metrics_t *m, strbuf_t *b, bool refused)
{
    for (size_t i = 0; i < m->counters_n; i++) {
        const s_counter_t *c = &m->counters[i];
        if (!c->error != !refused)
            continue;
        char *p = s_label(c->partner);
        char *e = c->error ? s_label(c->error) : NULL;
        if (refused)
            strbuf_printf(b, "regie_referrals_refused_total{partner=\"%s\","
                     "error=\"%s\"} %lld\n", p, e, (long long)c->n);
        else
            strbuf_printf(b, "regie_referrals_accepted_total{partner=\"%s\"} "
                     "%lld\n", p, (long long)c->n);
        free(p);
        free(e);
    }
}

void metrics_refusals(metrics_t *m, const tally_t *zap)
{
    m->zap = zap;
}

void metrics_guard_refusals(metrics_t *m, const tally_totals_t *guard)
{
    m->guard = *guard;
}

static void s_refusals(const metrics_t *m, strbuf_t *b)
{
    s_head(b, "regie_connections_refused_total", "counter",
           "Connections to the intake refused since regied started, by "
           "reason (unknown-key, not-curve, handshake-protocol, "
           "handshake-failed).");
    const char *r;
    for (size_t i = 0; m->zap && (r = tally_reason(m->zap, i)); i++)
        strbuf_printf(b, "regie_connections_refused_total{reason=\"%s\"} "
                      "%lld\n",
                      r, (long long)tally_total(m->zap, r));
    for (size_t i = 0; i < m->guard.n; i++)
        strbuf_printf(b, "regie_connections_refused_total{reason=\"%s\"} "
                      "%lld\n",
                      m->guard.reason[i], (long long)m->guard.total[i]);
}

static void s_histogram(const metrics_t *m, strbuf_t *b)
{
    s_head(b, "regie_intake_latency_seconds", "histogram",
           "Time from reading a request to its reply, committed.");
    for (size_t i = 0; i < S_BUCKETS; i++)
        strbuf_printf(b,
                      "regie_intake_latency_seconds_bucket{le=\"%g\"} %lld\n",
                 s_bounds[i], (long long)m->buckets[i]);
    strbuf_printf(b, "regie_intake_latency_seconds_bucket{le=\"+Inf\"} %lld\n"
             "regie_intake_latency_seconds_sum %.6f\n"
             "regie_intake_latency_seconds_count %lld\n",
             (long long)m->observations, m->sum, (long long)m->observations);
}

/* One integer from a one-row query (with ?1 = now when it has one). */
static int s_one(store_t *s, const char *sql, int64_t now, int64_t *v)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return -1;
    if (sqlite3_bind_parameter_count(st) > 0)
        store_bind_int64(s, st, 1, now);
    if (store_step(s, st) != SQLITE_ROW)
        return -1;
    *v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* The two samples of one kind and level. */
static void s_agreement_lines(strbuf_t *open, strbuf_t *late,
                              const char *kind, int level, long long n,
                              long long overdue)
{
    strbuf_printf(open, "regie_agreements_open{kind=\"%s\",level=\"%d\"} "
                  "%lld\n", kind, level, n);
    strbuf_printf(late, "regie_agreements_overdue{kind=\"%s\",level=\"%d\"} "
                  "%lld\n", kind, level, overdue);
}

/* The open and overdue agreements, by kind and level: every kind at
 * levels 0 to 2 (0 when none), and any higher level that occurs. */
static int s_agreements(store_t *s, strbuf_t *open, strbuf_t *late,
                        int64_t now)
{
    int64_t n[S_KINDS][S_LEVELS] = {{0}}, o[S_KINDS][S_LEVELS] = {{0}};
    sqlite3_stmt *st = store_prepare(s, s_sql_agreements);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        int level = sqlite3_column_int(st, 1), k = 0;
        while (k < S_KINDS && strcmp(s_kinds[k], kind))
            k++;
        if (k < S_KINDS && level >= 0 && level < S_LEVELS) {
            n[k][level] = sqlite3_column_int64(st, 2);
            o[k][level] = sqlite3_column_int64(st, 3);
            continue;
        }
        s_agreement_lines(open, late, kind, level,
                          sqlite3_column_int64(st, 2),
                          sqlite3_column_int64(st, 3));
    }
    sqlite3_reset(st);
    for (int k = 0; k < S_KINDS; k++)
        for (int l = 0; l < S_LEVELS; l++)
            s_agreement_lines(open, late, s_kinds[k], l, n[k][l], o[k][l]);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The gauges read from the store. */
static int s_gauges(store_t *s, strbuf_t *b, int64_t now)
{
    int64_t cases, last, pages, size, pending, sent, failed;
    strbuf_t open = {0}, late = {0};
    int rc = -1;
    if (s_one(s, s_sql_cases, now, &cases) == 0 &&
        s_one(s, s_sql_last_sent, now, &last) == 0 &&
        s_one(s, s_sql_pages, now, &pages) == 0 &&
        s_one(s, s_sql_page_size, now, &size) == 0 &&
        outbox_counts(s, &pending, &sent, &failed) == 0 &&
        s_agreements(s, &open, &late, now) == 0) {
        s_head(b, "regie_cases_open", "gauge", "Cases open now.");
        strbuf_printf(b, "regie_cases_open %lld\n", (long long)cases);
        s_head(b, "regie_agreements_open", "gauge",
               "Open agreements by kind and highest escalation level.");
        strbuf_printf(b, "%s", open.p);
        s_head(b, "regie_agreements_overdue", "gauge",
               "Open agreements past their due time, by kind and level.");
        strbuf_printf(b, "%s", late.p);
        s_head(b, "regie_outbox_notifications", "gauge",
               "Notifications in the outbox by status (sent ones are "
               "not shown).");
        strbuf_printf(b, "regie_outbox_notifications{status=\"pending\"} %lld\n"
                 "regie_outbox_notifications{status=\"failed\"} %lld\n",
                 (long long)pending, (long long)failed);
        s_head(b, "regie_smtp_last_success_timestamp_seconds", "gauge",
               "When the SMTP server last accepted a notification (0: "
               "never).");
        strbuf_printf(b, "regie_smtp_last_success_timestamp_seconds %lld\n",
                 (long long)last);
        s_head(b, "regie_database_size_bytes", "gauge",
               "Size of the database (page_count * page_size).");
        strbuf_printf(b, "regie_database_size_bytes %lld\n",
                 (long long)(pages * size));
        rc = 0;
    }
    strbuf_clear(&open);
    strbuf_clear(&late);
    return rc;
}

char *metrics_render(metrics_t *m, store_t *s, int64_t now)
{
    strbuf_t b = {0};
    s_head(&b, "regie_referrals_accepted_total", "counter",
           "Referrals accepted (ACK) since regied started, by partner.");
    s_referrals(m, &b, false);
    s_head(&b, "regie_referrals_refused_total", "counter",
           "Referrals refused (NACK) since regied started, by partner and "
           "error.");
    s_referrals(m, &b, true);
    s_refusals(m, &b);
    s_histogram(m, &b);
    if (s_gauges(s, &b, now) < 0) {
        strbuf_clear(&b);
        return NULL;
    }
    s_head(&b, "regie_start_time_seconds", "gauge",
           "When regied started, seconds since the epoch.");
    strbuf_printf(&b, "regie_start_time_seconds %lld\n",
                  (long long)m->start);
    return strbuf_take(&b);
}

/* Writes text to a temporary file beside path, syncs it and renames it
 * over path. Returns 0, or -1 with errno set and *what naming the step. */
static int s_replace(const char *path, const char *text, const char **what)
{
    const char *slash = strrchr(path, '/');
    char *tmp = slash ? xasprintf("%.*s/.%s.tmp", (int)(slash - path), path,
                                  slash + 1)
                      : xasprintf(".%s.tmp", path);
    size_t len = strlen(text), done = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = -1;
    *what = "open";
    if (fd >= 0 && (*what = "chmod", fchmod(fd, 0644) == 0)) {
        *what = "write";
        while (done < len) {
            ssize_t n = write(fd, text + done, len - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        if (done == len && (*what = "fsync", fsync(fd) == 0))
            rc = 0;
    }
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        *what = "close";
        saved = errno;
        rc = -1;
    }
    if (rc == 0 && (*what = "rename", rename(tmp, path) != 0)) {
        saved = errno;
        rc = -1;
    }
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    errno = saved;
    return rc;
}

int metrics_write(metrics_t *m, store_t *s, const char *path, int64_t now)
{
    char *text = metrics_render(m, s, now);
    const char *what = "read the store";
    int rc = text ? s_replace(path, text, &what) : -1;
    if (rc < 0 && !m->failing)
        log_warn("metrics: cannot write path=%s step=%s error=\"%s\"", path,
                 what, text ? strerror(errno) : "store");
    else if (rc == 0 && m->failing)
        log_notice("metrics: writing again path=%s", path);
    m->failing = rc < 0;
    free(text);
    return rc;
}

/*
 * mon — the timers of monitoring: purge, digest, metrics, and the
 * backup's audit record (see mon.h). Main thread only.
 */
#include "mon.h"

#include "store/audit.h"
#include "cal.h"
#include "clock.h"
#include "digest.h"
#include "log.h"
#include "cases/purge.h"
#include "stats.h"
#include "xmem.h"

#include <stdlib.h>
#include <time.h>

#define S_RETRY_S 60      /* a failed task is tried again after this */
#define S_BACKUP_POLL_S 1 /* how often a running backup is looked at */

struct mon {
    const cfg_t *cfg;      /* borrowed; swapped on reload */
    store_t *store;        /* borrowed */
    metrics_t *metrics;    /* counters since start */
    digest_t *digest;      /* the template; NULL after a failed reload */
    backup_t *backup;      /* the backup maker */
    int64_t next_purge;    /* -1: never */
    int64_t next_digest;
    int64_t next_metrics;
};

/* The next local time minute (after midnight) after now. */
static int64_t s_next_daily(int64_t now, int minute)
{
    time_t tt = (time_t)now;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_hour = minute / 60;
    tm.tm_min = minute % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    int64_t t = (int64_t)mktime(&tm);
    return t > now ? t : cal_add_days(t, 1);
}

/* The digest's next time; now when this ISO week's passed while regied
 * was down (and it has sent digests before: a new installation waits
 * for the next digest day). */
static int64_t s_digest_due(const mon_t *m, int64_t now)
{
    int64_t next = digest_next_at(m->cfg, now);
    if (next < 0 || !digest_enabled(m->digest))
        return -1;
    int64_t prev = cal_add_days(next, -7);
    if (prev <= now && stats_week_start(prev) == stats_week_start(now) &&
        digest_queued_before(m->store) == 1)
        return now;
    return next;
}

/* A planned time that fell due already stays (a clock that jumped
 * forward runs it at once); any other is planned afresh. */
static int64_t s_keep_due(int64_t planned, int64_t fresh, int64_t now)
{
    return planned >= 0 && planned <= now && fresh >= 0 ? planned : fresh;
}

/* Plans every task from now. */
static void s_plan(mon_t *m, int64_t now)
{
    m->next_purge = s_keep_due(m->next_purge,
                               s_next_daily(now, m->cfg->purge_minute), now);
    m->next_digest = s_keep_due(m->next_digest, s_digest_due(m, now), now);
    m->next_metrics = m->cfg->metrics_file ? now : -1;
}

mon_t *mon_new(const cfg_t *cfg, store_t *store)
{
    digest_t *d = digest_new(cfg);
    if (!d)
        return NULL;
    mon_t *m = xcalloc(1, sizeof *m);
    m->cfg = cfg;
    m->store = store;
    m->digest = d;
    m->metrics = metrics_new(clock_now());
    m->backup = backup_new(cfg->database);
    m->next_purge = m->next_digest = -1;
    s_plan(m, clock_now());
    return m;
}

void mon_set_cfg(mon_t *m, const cfg_t *cfg)
{
    digest_destroy(&m->digest);
    m->cfg = cfg;
    m->digest = digest_new(cfg);
    if (!m->digest)
        log_err("mon: the digest template does not load (see above); no "
                "digest until the next reload");
    s_plan(m, clock_now());
}

static int64_t s_min(int64_t a, int64_t b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int64_t mon_next_at(mon_t *m, int64_t now)
{
    int64_t next = s_min(m->next_purge, s_min(m->next_digest,
                                              m->next_metrics));
    if (backup_busy(m->backup))
        next = s_min(next, now + S_BACKUP_POLL_S);
    return next;
}

/* Records a backup that ended: made (event backup.made) or not (log). */
static void s_backup(mon_t *m, int64_t now)
{
    backup_result_t r;
    if (!backup_take_result(m->backup, &r))
        return;
    if (!r.ok) {
        log_err("backup: failed path=%s error=\"%s\"", r.path, r.error);
    } else {
        json_t *d = json_pack("{s:s, s:I}", "path", r.path, "pages",
                              (json_int_t)r.pages);
        if (store_begin(m->store) == 0 &&
            (audit_add(m->store, now, "daemon", "backup.made", 0, 0, NULL,
                       d) < 0 ||
             store_commit(m->store) < 0))
            store_rollback(m->store);
        json_decref(d);
        log_notice("backup: made path=%s pages=%lld", r.path,
                   (long long)r.pages);
    }
    backup_result_clear(&r);
}

static bool s_due(int64_t at, int64_t now)
{
    return at >= 0 && at <= now;
}

void mon_run_due(mon_t *m, int64_t now)
{
    purge_counts_t counts;
    if (s_due(m->next_purge, now))
        m->next_purge =
            purge_run(m->store, m->cfg, now, false, "scheduler", &counts) < 0
                ? now + S_RETRY_S
                : s_next_daily(now, m->cfg->purge_minute);
    if (s_due(m->next_digest, now))
        m->next_digest = digest_queue(m->digest, m->store, now,
                                      "scheduler") < 0
                             ? now + S_RETRY_S
                             : digest_next_at(m->cfg, now);
    s_backup(m, now);
    if (s_due(m->next_metrics, now)) {
        metrics_write(m->metrics, m->store, m->cfg->metrics_file, now);
        m->next_metrics = now + m->cfg->metrics_interval_s;
    }
}

metrics_t *mon_metrics(mon_t *m)
{
    return m->metrics;
}

backup_t *mon_backup(mon_t *m)
{
    return m->backup;
}

void mon_destroy(mon_t **p)
{
    if (!p || !*p)
        return;
    mon_t *m = *p;
    backup_destroy(&m->backup);
    metrics_destroy(&m->metrics);
    digest_destroy(&m->digest);
    free(m);
    *p = NULL;
}

/*
 * cmdmon — the control commands of monitoring: the audit log,
 * statistics, the social network of a case, purge, backup and the
 * digest. Each handler checks its arguments and leaves the work to its
 * module (auditlog, stats, casenet, purge, backup, digest). Main thread.
 */
#include "cmdmon.h"

#include "cal.h"
#include "cases/casenet.h"
#include "cases/purge.h"
#include "mon/digest.h"
#include "mon/mon.h"
#include "mon/stats.h"
#include "ref.h"
#include "store/auditlog.h"
#include "xmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_REF_AGREEMENT "A"

/* Reads a date argument ("2026-11-20": local midnight; end is the next
 * midnight) or, with rfc true, an RFC 3339 time too. Returns false with
 * pb set when it is neither; true (leaving *t alone) when absent. */
static bool s_date(cmd_call_t *c, const char *name, bool end, bool rfc,
                   int64_t *t)
{
    const char *v = cmd_str(c, name);
    int64_t from, to;
    if (!v)
        return true;
    if (cal_period(v, &from, &to) == 0 && strchr(v, 'W') == NULL) {
        *t = end ? to : from;
        return true;
    }
    if (rfc && ref_time_parse(v, t))
        return true;
    problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                "%s must be a date like 2026-11-20%s", name,
                rfc ? " or an RFC 3339 time" : "");
    return false;
}

static json_t *s_log(cmd_call_t *c)
{
    auditlog_filter_t f = {0};
    json_t *lv = json_object_get(c->args, "limit");
    if (!cmd_ref(c, "case", REF_CASE, &f.case_id) ||
        !cmd_ref(c, "agreement", S_REF_AGREEMENT, &f.agreement_id) ||
        !s_date(c, "since", false, true, &f.since))
        return NULL;
    if (lv && (json_integer_value(lv) < 1 ||
               json_integer_value(lv) > AUDITLOG_LIMIT_MAX)) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST, "limit must be 1 to %d",
                    AUDITLOG_LIMIT_MAX);
        return NULL;
    }
    f.limit = lv ? (int)json_integer_value(lv) : 0;
    return auditlog_list(c->env->store, &f, &c->out->pb);
}

/* A period of at most STATS_DAYS_MAX: the figures of a longer one take
 * the main thread (and the intake) for seconds. */
static json_t *s_stats(cmd_call_t *c)
{
    int64_t from = 0, to = c->now;
    if (!s_date(c, "from", false, false, &from) ||
        !s_date(c, "to", true, false, &to))
        return NULL;
    if (!cmd_str(c, "from")) /* the current ISO week and the 11 before */
        from = cal_add_days(stats_week_start(to - 1),
                            -7 * (STATS_WEEKS_DEFAULT - 1));
    if (from >= to) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "from must come before to");
        return NULL;
    }
    if (to - from > (int64_t)STATS_DAYS_MAX * 86400) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "the period from .. to is at most %d days (ten years)",
                    STATS_DAYS_MAX);
        return NULL;
    }
    return stats_compute(c->env->store, c->env->cfg, from, to, c->now,
                         &c->out->pb);
}

static json_t *s_case_network(cmd_call_t *c)
{
    int64_t id;
    if (!cmd_ref(c, "case", REF_CASE, &id))
        return NULL;
    json_t *r =
        casenet_mark(c->env->store, id, cmd_bool(c, "mapped"),
                     cmd_bool(c, "engaged"), c->user, c->now, &c->out->pb);
    if (r)
        snprintf(c->out->change, sizeof c->out->change,
                 "network case=%s mapped=%s engaged=%s",
                 json_string_value(json_object_get(r, "case")),
                 json_is_null(json_object_get(r, "network_mapped_at")) ? "no"
                                                                       : "yes",
                 json_is_null(json_object_get(r, "network_engaged_at"))
                     ? "no"
                     : "yes");
    return r;
}

static json_t *s_purge(cmd_call_t *c)
{
    char actor[80];
    purge_counts_t n;
    bool dry = cmd_bool(c, "dry_run");
    if (purge_run(c->env->store, c->env->cfg, c->now, dry,
                  cmd_actor(c, actor, sizeof actor), &n) < 0) {
        problem_store(&c->out->pb);
        return NULL;
    }
    if (!dry)
        snprintf(c->out->change, sizeof c->out->change,
                 "purged referrals=%lld memberships=%lld",
                 (long long)n.referrals, (long long)n.memberships);
    return json_pack(
        "{s:b, s:o, s:o, s:o}", "dry_run", dry, "counts", purge_counts_json(&n),
        "closed_before",
        ref_time_json(purge_cutoff(c->now, c->env->cfg->retention_months)),
        "referrals_before",
        ref_time_json(purge_cutoff(c->now, c->env->cfg->max_active_months)));
}

/* The backup maker, or NULL with pb set when regied runs without one. */
static backup_t *s_backup_of(cmd_call_t *c)
{
    if (c->env->mon)
        return mon_backup(c->env->mon);
    problem_set(&c->out->pb, PROBLEM_UNAVAILABLE,
                "this regied has no backup maker (monitoring is not "
                "running)");
    return NULL;
}

static json_t *s_backup(cmd_call_t *c)
{
    backup_t *b = s_backup_of(c);
    const char *path = cmd_str(c, "path");
    if (!b || backup_start(b, path, c->now, &c->out->pb) < 0)
        return NULL;
    snprintf(c->out->change, sizeof c->out->change, "backup started");
    return backup_status(b);
}

static json_t *s_backup_status(cmd_call_t *c)
{
    backup_t *b = s_backup_of(c);
    return b ? backup_status(b) : NULL;
}

/* What a preview adds to the reply r: the HTML, the picture (base64)
 * and the numbers it shows. */
static void s_preview(json_t *r, const digest_mail_t *m)
{
    char *png = NULL;
    if (m->png) {
        size_t len = sodium_base64_encoded_len(m->png_len,
                                               sodium_base64_VARIANT_ORIGINAL);
        png = xmalloc(len);
        sodium_bin2base64(png, len, m->png, m->png_len,
                          sodium_base64_VARIANT_ORIGINAL);
    }
    json_object_set_new(r, "html",
                        m->html ? json_string(m->html) : json_null());
    json_object_set_new(r, "png", png ? json_string(png) : json_null());
    json_object_set_new(r, "chart", json_incref(m->chart));
    free(png);
}

/* The digest as of now: printed, queued (send: once a week), or with
 * preview its text, HTML and chart for regiectl to write to files. */
static json_t *s_digest(cmd_call_t *c)
{
    bool send = cmd_bool(c, "send"), preview = cmd_bool(c, "preview");
    digest_t *d = digest_new(c->env->cfg);
    char key[DIGEST_KEY_MAX], actor[80];
    digest_mail_t m = {0};
    json_t *r = NULL;
    int queued = 0;
    if (send && preview)
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "give send or preview, not both");
    else if (!d || !digest_enabled(d))
        problem_set(&c->out->pb, PROBLEM_CONFLICT,
                    "there is no digest: it needs the 'mail' group with "
                    "the templates %s and %s, and a digest day",
                    DIGEST_TEMPLATE, DIGEST_HTML_TEMPLATE);
    else if (digest_render(d, c->env->store, c->now, "chart.png", &m) < 0 ||
             (send &&
              (queued = digest_queue(d, c->env->store, c->now,
                                     cmd_actor(c, actor, sizeof actor))) < 0))
        problem_store(&c->out->pb);
    else
        r = json_pack("{s:s, s:s, s:s, s:s, s:b}", "key",
                      digest_key(c->now, key, sizeof key), "to",
                      c->env->cfg->mail.gemeente.email, "subject", m.subject,
                      "body", m.body, "queued", queued == 1);
    if (r && preview)
        s_preview(r, &m);
    if (r && queued == 1)
        snprintf(c->out->change, sizeof c->out->change, "digest queued key=%s",
                 key);
    digest_mail_clear(&m);
    digest_destroy(&d);
    return r;
}

const cmd_t cmdmon_commands[] = {
    {"log",
     s_log,
     false,
     {{"case", 'r', false},
      {"agreement", 'r', false},
      {"since", 's', false},
      {"limit", 'i', false}}},
    {"stats", s_stats, false, {{"from", 's', false}, {"to", 's', false}}},
    {"case.network",
     s_case_network,
     true,
     {{"case", 'r', true}, {"mapped", 'b', false}, {"engaged", 'b', false}}},
    {"purge", s_purge, true, {{"dry_run", 'b', false}}},
    {"backup", s_backup, false, {{"path", 's', true}}},
    {"backup.status", s_backup_status, false, {{0}}},
    {"digest", s_digest, true, {{"send", 'b', false}, {"preview", 'b', false}}},
};
const size_t cmdmon_commands_n =
    sizeof cmdmon_commands / sizeof *cmdmon_commands;

/*
 * cfgagree — the agreement and monitoring parts of regie.conf: policies
 * (with the defaults of DESIGN when absent), agreement periods, the
 * gemeente's departments, partners' report agreements, the digest,
 * metrics, retention and the domains of categories. Main thread only.
 */
#include "cfgagree.h"

#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A default policy: name, steps as (days, owner, kernteam, gemeente). */
typedef struct {
    const char *name;
    int steps[4][4];
    int n;
} s_default_t;

static const s_default_t s_defaults[] = {
    /* Progress reports: reminders 3 days before and on the due day,
     * kernteam 2 days after, gemeente 7 days after (owner in cc). */
    {"progress", {{-3, 1, 0, 0}, {0, 1, 0, 0}, {2, 1, 1, 0}, {7, 1, 0, 1}}, 4},
    /* Partner reports: reminder on the due day, gemeente 3 days after. */
    {"partner", {{0, 1, 0, 0}, {3, 1, 0, 1}}, 2},
    /* A new case's regisseur: reminder to the kernteam on the due day,
     * the gemeente 3 days after. */
    {"assign", {{0, 1, 0, 0}, {3, 1, 0, 1}}, 2},
    /* A request to a department: reminder on the due day, the gemeente
     * 2 days after. */
    {"request", {{0, 1, 0, 0}, {2, 1, 0, 1}}, 2},
};

/* Numbers the escalation levels of a policy's steps in order. */
static void s_levels(cfg_policy_t *p)
{
    int level = 0;
    for (size_t i = 0; i < p->steps_n; i++)
        p->steps[i].level = p->steps[i].offset > 0 ? ++level : 0;
}

static void s_add_default(cfg_t *cfg, const s_default_t *d)
{
    cfg->policies = xrealloc(cfg->policies,
                             (cfg->policies_n + 1) * sizeof *cfg->policies);
    cfg_policy_t *p = &cfg->policies[cfg->policies_n++];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(d->name);
    p->steps = xcalloc((size_t)d->n, sizeof *p->steps);
    for (int i = 0; i < d->n; i++) {
        p->steps[i] = (cfg_step_t){.offset = d->steps[i][0],
                                   .to_owner = d->steps[i][1],
                                   .to_kernteam = d->steps[i][2],
                                   .to_gemeente = d->steps[i][3]};
    }
    p->steps_n = (size_t)d->n;
    s_levels(p);
}

/* One step { days = N; to = [ "owner", "kernteam", "gemeente" ]; }. */
static void s_step(cfgparse_t *ctx, const config_setting_t *g,
                   cfg_step_t *st)
{
    static const char *const known[] = {"days", "to"};
    cfgparse_check_known(ctx, g, known, 2);
    long long days = 0;
    if (!config_setting_get_member(g, "days"))
        cfgparse_error(ctx, g, "a step needs 'days' (negative: before the "
                       "due time)");
    cfgparse_int(ctx, g, "days", -365, 365, &days);
    st->offset = (int)days;
    char **to;
    size_t n;
    const config_setting_t *s = cfgparse_strings(ctx, g, "to", &to, &n);
    if (!s || n == 0)
        cfgparse_error(ctx, s ? s : g, "a step needs 'to', a list of "
                       "\"owner\", \"kernteam\" and \"gemeente\"");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(to[i], "owner") == 0)
            st->to_owner = true;
        else if (strcmp(to[i], "kernteam") == 0)
            st->to_kernteam = true;
        else if (strcmp(to[i], "gemeente") == 0)
            st->to_gemeente = true;
        else
            cfgparse_error(ctx, s, "unknown recipient '%s': use owner, "
                           "kernteam or gemeente", to[i]);
    }
    cfgparse_free_strings(to, n);
}

static void s_policy(cfgparse_t *ctx, const config_setting_t *g)
{
    static const char *const known[] = {"name", "steps", "working_days",
                                        "repeat_days"};
    cfg_t *cfg = ctx->cfg;
    cfgparse_check_known(ctx, g, known, 4);
    char *name = NULL;
    if (!cfgparse_string(ctx, g, "name", true, &name))
        return;
    cfg_policy_t *p = (cfg_policy_t *)cfg_policy(cfg, name);
    if (p) { /* replaces a default (or a policy named twice) */
        free(p->steps);
        free(p->name);
    } else {
        cfg->policies = xrealloc(cfg->policies, (cfg->policies_n + 1) *
                                                    sizeof *cfg->policies);
        p = &cfg->policies[cfg->policies_n++];
    }
    memset(p, 0, sizeof *p);
    p->name = name;
    cfgparse_bool(ctx, g, "working_days", &p->working_days);
    long long rep = 0;
    cfgparse_int(ctx, g, "repeat_days", 0, 365, &rep);
    p->repeat_days = (int)rep;
    const config_setting_t *l = config_setting_get_member(g, "steps");
    if (!l || !config_setting_is_list(l) || config_setting_length(l) == 0) {
        cfgparse_error(ctx, l ? l : g, "policy '%s' needs 'steps', a list "
                       "( { days = -3; to = [ \"owner\" ]; }, ... )", name);
        return;
    }
    p->steps_n = (size_t)config_setting_length(l);
    p->steps = xcalloc(p->steps_n, sizeof *p->steps);
    for (size_t i = 0; i < p->steps_n; i++) {
        const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
        if (!config_setting_is_group(e))
            cfgparse_error(ctx, e, "each step must be a group { ... }");
        else
            s_step(ctx, e, &p->steps[i]);
        if (i > 0 && p->steps[i].offset <= p->steps[i - 1].offset)
            cfgparse_error(ctx, e, "the steps of policy '%s' must be in "
                           "time order", name);
    }
    s_levels(p);
}

static void s_policies(cfgparse_t *ctx, const config_setting_t *root)
{
    for (size_t i = 0; i < sizeof s_defaults / sizeof *s_defaults; i++)
        s_add_default(ctx->cfg, &s_defaults[i]);
    const config_setting_t *l = config_setting_get_member(root, "policies");
    if (!l)
        return;
    if (!config_setting_is_list(l)) {
        cfgparse_error(ctx, l, "'policies' must be a list of groups");
        return;
    }
    for (int i = 0; i < config_setting_length(l); i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (config_setting_is_group(g))
            s_policy(ctx, g);
        else
            cfgparse_error(ctx, g, "each policy must be a group { ... }");
    }
}

/* agreements = { progress_days_complex = 21; ...; policy = { ... }; } */
static void s_agreements(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "progress_days_complex", "progress_days_intensive", "assign_days",
        "request_days", "policy"};
    cfg_t *cfg = ctx->cfg;
    static const char *const defaults[CFG_KINDS] = {
        "progress", "assign", "partner", "request", "progress"};
    for (int k = 0; k < CFG_KINDS; k++)
        cfg->policy_for[k] = xstrdup(defaults[k]);
    const config_setting_t *g = config_setting_get_member(root,
                                                          "agreements");
    long long v[4] = {21, 42, 5, 10};
    if (g) {
        cfgparse_check_known(ctx, g, known, 5);
        for (int i = 0; i < 4; i++)
            cfgparse_int(ctx, g, known[i], 1, 366, &v[i]);
        const config_setting_t *pg = config_setting_get_member(g, "policy");
        if (pg) {
            const char *kinds[CFG_KINDS];
            for (int k = 0; k < CFG_KINDS; k++)
                kinds[k] = cfg_kind_name(k);
            cfgparse_check_known(ctx, pg, kinds, CFG_KINDS);
            for (int k = 0; k < CFG_KINDS; k++) {
                char *name = NULL;
                if (cfgparse_string(ctx, pg, kinds[k], false,
                                    &name)) {
                    free(cfg->policy_for[k]);
                    cfg->policy_for[k] = name;
                }
            }
        }
    }
    cfg->progress_days_complex = (int)v[0];
    cfg->progress_days_intensive = (int)v[1];
    cfg->assign_days = (int)v[2];
    cfg->request_days = (int)v[3];
    for (int k = 0; k < CFG_KINDS; k++)
        if (!cfg_policy(cfg, cfg->policy_for[k]))
            cfgparse_error(ctx, g, "agreements of kind %s use policy '%s', "
                           "which is not defined", cfg_kind_name(k),
                           cfg->policy_for[k]);
}

static void s_departments(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {"id", "name", "email"};
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *l = config_setting_get_member(root,
                                                          "departments");
    if (!l)
        return;
    if (!config_setting_is_list(l)) {
        cfgparse_error(ctx, l, "'departments' must be a list of groups");
        return;
    }
    int n = config_setting_length(l);
    cfg->departments = xcalloc((size_t)n, sizeof *cfg->departments);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        cfg_department_t *d = &cfg->departments[cfg->departments_n++];
        cfgparse_check_known(ctx, g, known, 3);
        cfgparse_string(ctx, g, "id", true, &d->id);
        cfgparse_string(ctx, g, "name", true, &d->addr.name);
        const config_setting_t *e =
            cfgparse_string(ctx, g, "email", true, &d->addr.email);
        if (e && !strchr(d->addr.email, '@'))
            cfgparse_error(ctx, e, "department email '%s' is not an email "
                           "address", d->addr.email);
        for (size_t k = 0; k + 1 < cfg->departments_n && d->id; k++)
            if (cfg->departments[k].id &&
                strcmp(cfg->departments[k].id, d->id) == 0)
                cfgparse_error(ctx, g, "department id '%s' is used twice",
                               d->id);
    }
}

void cfgagree_partner(cfgparse_t *ctx, const config_setting_t *g,
                      cfg_partner_t *p)
{
    static const char *const known[] = {"every_days", "first_due",
                                        "description"};
    const config_setting_t *e = cfgparse_string(ctx, g, "email", false,
                                                &p->email);
    if (e && !strchr(p->email, '@'))
        cfgparse_error(ctx, e, "email '%s' is not an email address",
                       p->email);
    const config_setting_t *r = config_setting_get_member(g, "report");
    if (!r)
        return;
    if (!config_setting_is_group(r)) {
        cfgparse_error(ctx, r, "'report' must be a group { every_days = 7; "
                       "... }");
        return;
    }
    cfgparse_check_known(ctx, r, known, 3);
    p->report.enabled = true;
    long long every = 7;
    cfgparse_int(ctx, r, "every_days", 1, 366, &every);
    p->report.every_days = (int)every;
    const config_setting_t *f =
        cfgparse_string(ctx, r, "first_due", false, &p->report.first_due);
    struct tm tm = {0};
    if (f && !strptime(p->report.first_due, "%Y-%m-%d %H:%M", &tm))
        cfgparse_error(ctx, f, "first_due must be like \"2026-11-23 "
                       "09:00\" (local time)");
    if (!cfgparse_string(ctx, r, "description", false,
                         &p->report.description))
        p->report.description =
            xstrdup("Periodieke rapportage van doorgestuurde meldingen");
    if (!p->email)
        cfgparse_error(ctx, g, "partner '%s' has a report agreement but no "
                       "'email' for its reminders", p->id ? p->id : "?");
}

/* digest = "monday 08:00" (or "" for none) */
static void s_digest(cfgparse_t *ctx, const config_setting_t *g)
{
    static const char *const days[] = {"sunday",   "monday", "tuesday",
                                       "wednesday", "thursday", "friday",
                                       "saturday"};
    cfg_t *cfg = ctx->cfg;
    char *text = NULL;
    const config_setting_t *s = cfgparse_string(ctx, g, "digest", false,
                                                &text);
    if (!s)
        return;
    char day[16], hm[8];
    int ok = 0;
    if (!*text) {
        cfg->digest_weekday = -1;
        ok = 1;
    } else if (sscanf(text, "%15s %7s", day, hm) == 2) {
        for (int i = 0; i < 7; i++)
            if (strcasecmp(day, days[i]) == 0 &&
                cfgparse_minutes(hm) >= 0) {
                cfg->digest_weekday = i;
                cfg->digest_minute = cfgparse_minutes(hm);
                ok = 1;
            }
    }
    if (!ok)
        cfgparse_error(ctx, s, "digest must be like \"monday 08:00\", or "
                       "\"\" for none");
    free(text);
}

/* monitoring.metrics_file: regied replaces the file by renaming a new
 * one written beside it, so a file must be creatable there. */
static void s_metrics_file(cfgparse_t *ctx, const config_setting_t *g)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *s =
        cfgparse_string(ctx, g, "metrics_file", false, &cfg->metrics_file);
    cfgparse_resolve(ctx, &cfg->metrics_file);
    if (!s || !cfg->metrics_file)
        return;
    cfgparse_folder_writable(ctx, s, "metrics_file", cfg->metrics_file);
}

static void s_monitoring(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "digest", "metrics_file", "metrics_interval_s", "retention_months",
        "max_active_months", "purge_at"};
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *g = config_setting_get_member(root,
                                                          "monitoring");
    if (!g)
        return;
    cfgparse_check_known(ctx, g, known, 6);
    s_digest(ctx, g);
    s_metrics_file(ctx, g);
    long long v[3] = {cfg->metrics_interval_s, cfg->retention_months,
                      cfg->max_active_months};
    cfgparse_int(ctx, g, "metrics_interval_s", 1, 86400, &v[0]);
    cfgparse_int(ctx, g, "retention_months", 1, 1200, &v[1]);
    cfgparse_int(ctx, g, "max_active_months", 1, 1200, &v[2]);
    cfg->metrics_interval_s = (int)v[0];
    cfg->retention_months = (int)v[1];
    cfg->max_active_months = (int)v[2];
    char *at = NULL;
    const config_setting_t *s = cfgparse_string(ctx, g, "purge_at", false,
                                                &at);
    if (s && (cfg->purge_minute = cfgparse_minutes(at)) < 0)
        cfgparse_error(ctx, s, "purge_at must be like \"03:00\"");
    free(at);
}

/* domains = { ggz = "care"; schulden = "participation"; ... }; */
static void s_domains(cfgparse_t *ctx, const config_setting_t *root)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *g = config_setting_get_member(root, "domains");
    if (!g)
        return;
    if (!config_setting_is_group(g)) {
        cfgparse_error(ctx, g, "'domains' must be a group { category = "
                       "\"care\"; ... }");
        return;
    }
    int n = config_setting_length(g);
    cfg->domain_keys = xcalloc((size_t)n, sizeof(char *));
    cfg->domain_values = xcalloc((size_t)n, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        const char *v = config_setting_get_string(s);
        if (!cfg_list_has(cfg->categories, cfg->categories_n, name))
            cfgparse_error(ctx, s, "domains: '%s' is not a configured "
                           "category", name);
        else if (!v || (strcmp(v, "care") && strcmp(v, "participation") &&
                        strcmp(v, "safety")))
            cfgparse_error(ctx, s, "domains: '%s' must be \"care\", "
                           "\"participation\" or \"safety\"", name);
        else {
            cfg->domain_keys[cfg->domains_n] = xstrdup(name);
            cfg->domain_values[cfg->domains_n++] = xstrdup(v);
        }
    }
}

void cfgagree_defaults(cfg_t *cfg)
{
    cfg->digest_weekday = 1; /* Monday */
    cfg->digest_minute = 8 * 60;
    cfg->metrics_interval_s = 60;
    cfg->retention_months = 24;
    cfg->max_active_months = 24;
    cfg->purge_minute = 3 * 60;
}

void cfgagree_load(cfgparse_t *ctx, const config_setting_t *root)
{
    s_policies(ctx, root);
    s_agreements(ctx, root);
    s_departments(ctx, root);
    s_monitoring(ctx, root);
    s_domains(ctx, root);
}

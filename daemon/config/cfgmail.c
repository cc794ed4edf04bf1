/*
 * cfgmail — the "mail" group of regie.conf: templates, addresses, quiet
 * hours, the SMTP server and its password file, retries. For cfgload;
 * main thread only.
 */
#include "cfgmail.h"

#ifndef REGIE_TEMPLATES_DIR
#define REGIE_TEMPLATES_DIR "/usr/local/share/regie/templates"
#endif

#include "rfile.h"
#include "xmem.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A group { name = ...; email = ...; } into a. */
static void s_address(cfgparse_t *ctx, const config_setting_t *g,
                      const char *name, cfg_address_t *a)
{
    static const char *const known[] = {"name", "email"};
    const config_setting_t *s = config_setting_get_member(g, name);
    if (!s || !config_setting_is_group(s)) {
        cfgparse_error(ctx, s ? s : g,
                       "'%s' must be a group { name = \"...\"; "
                       "email = \"...\"; }",
                       name);
        return;
    }
    cfgparse_check_known(ctx, s, known, 2);
    cfgparse_string(ctx, s, "name", true, &a->name);
    const config_setting_t *e =
        cfgparse_string(ctx, s, "email", true, &a->email);
    if (e && (!strchr(a->email, '@') || strpbrk(a->email, " <>,\r\n")))
        cfgparse_error(ctx, e, "%s.email '%s' is not an email address", name,
                       a->email);
}

/* quiet_hours = "20:00-07:00" (or "" for none) into minutes. */
static void s_quiet(cfgparse_t *ctx, const config_setting_t *g, cfg_mail_t *m)
{
    char *text = NULL;
    const config_setting_t *s =
        cfgparse_string(ctx, g, "quiet_hours", false, &text);
    if (!s)
        return;
    int h1, m1, h2, m2, used = 0;
    if (!*text) {
        m->quiet_start = m->quiet_end = 0;
    } else if (sscanf(text, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) ==
                   4 &&
               used == (int)strlen(text) && h1 < 24 && h2 < 24 && m1 < 60 &&
               m2 < 60 && h1 >= 0 && h2 >= 0 && m1 >= 0 && m2 >= 0) {
        m->quiet_start = h1 * 60 + m1;
        m->quiet_end = h2 * 60 + m2;
    } else {
        cfgparse_error(ctx, s,
                       "quiet_hours must be like \"20:00-07:00\", or "
                       "\"\" for none");
    }
    free(text);
}

/* Reads a secret from a file named by setting name (first line). */
static void s_secret_file(cfgparse_t *ctx, const config_setting_t *g,
                          const char *name, char **out)
{
    char *path = NULL;
    const config_setting_t *s = cfgparse_string(ctx, g, name, false, &path);
    cfgparse_resolve(ctx, &path);
    if (!s) {
        free(path);
        return;
    }
    char err[600];
    FILE *f = rfile_fopen(path, err, sizeof err);
    char line[512];
    if (!f) {
        cfgparse_error(ctx, s, "%s: %s", name, err);
    } else if (!fgets(line, sizeof line, f)) {
        cfgparse_error(ctx, s, "%s: cannot read %s", name, path);
    } else {
        line[strcspn(line, "\r\n")] = '\0';
        *out = xstrdup(line);
    }
    if (f)
        fclose(f);
    sodium_memzero(line, sizeof line);
    free(path);
}

/* The smtp group's timeout and the limits of a session. */
static void s_smtp_limits(cfgparse_t *ctx, const config_setting_t *g,
                          cfg_mail_t *m)
{
    long long v = m->smtp_timeout_ms;
    cfgparse_int(ctx, g, "timeout_ms", 100, 600000, &v);
    m->smtp_timeout_ms = (int)v;
    v = m->smtp_max_per_session;
    cfgparse_int(ctx, g, "max_per_session", 1, 10000, &v);
    m->smtp_max_per_session = (int)v;
    v = m->smtp_session_s;
    cfgparse_int(ctx, g, "session_seconds", 1, 3600, &v);
    m->smtp_session_s = (int)v;
}

static void s_smtp(cfgparse_t *ctx, const config_setting_t *mg, cfg_mail_t *m)
{
    static const char *const known[] = {
        "host",           "port",          "starttls",   "ca_file",
        "user",           "password_file", "timeout_ms", "max_per_session",
        "session_seconds"};
    const config_setting_t *g = config_setting_get_member(mg, "smtp");
    if (!g || !config_setting_is_group(g)) {
        cfgparse_error(ctx, g ? g : mg,
                       "mail needs a group 'smtp: { host = "
                       "\"...\"; ... };'");
        return;
    }
    cfgparse_check_known(ctx, g, known, sizeof known / sizeof *known);
    cfgparse_string(ctx, g, "host", true, &m->smtp_host);
    long long v = m->smtp_port;
    cfgparse_int(ctx, g, "port", 1, 65535, &v);
    m->smtp_port = (int)v;
    cfgparse_bool(ctx, g, "starttls", &m->smtp_starttls);
    const config_setting_t *s =
        cfgparse_string(ctx, g, "ca_file", false, &m->smtp_ca_file);
    cfgparse_resolve(ctx, &m->smtp_ca_file);
    char err[600];
    if (s && rfile_check(m->smtp_ca_file, err, sizeof err) < 0)
        cfgparse_error(ctx, s, "ca_file: %s", err);
    cfgparse_string(ctx, g, "user", false, &m->smtp_user);
    s_secret_file(ctx, g, "password_file", &m->smtp_password);
    if (m->smtp_user && !m->smtp_password)
        cfgparse_error(ctx, g, "smtp: a user needs a password_file");
    s_smtp_limits(ctx, g, m);
}

/* mail.templates (the edited ones: a folder that must exist) and
 * mail.shipped_templates (default: where make install puts them). */
static void s_templates(cfgparse_t *ctx, const config_setting_t *g,
                        cfg_mail_t *m)
{
    const config_setting_t *t =
        cfgparse_string(ctx, g, "templates", false, &m->templates);
    if (!t)
        m->templates = xstrdup("templates");
    cfgparse_resolve(ctx, &m->templates);
    const config_setting_t *sh = cfgparse_string(ctx, g, "shipped_templates",
                                                 false, &m->templates_shipped);
    if (!sh)
        m->templates_shipped = xstrdup(REGIE_TEMPLATES_DIR);
    cfgparse_resolve(ctx, &m->templates_shipped);
    struct stat st;
    if (stat(m->templates, &st) != 0)
        cfgparse_error(ctx, t ? t : g, "templates: cannot read %s: %s",
                       m->templates, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        cfgparse_error(ctx, t ? t : g, "templates: %s is not a folder",
                       m->templates);
}

void cfgmail_load(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "templates",   "shipped_templates", "from", "kernteam",
        "gemeente",    "quiet_hours",       "smtp", "retry_min_s",
        "retry_max_s", "lifetime_hours"};
    cfg_mail_t *m = &ctx->cfg->mail;
    const config_setting_t *g = config_setting_get_member(root, "mail");
    if (!g)
        return;
    if (!config_setting_is_group(g)) {
        cfgparse_error(ctx, g, "'mail' must be a group { ... }");
        return;
    }
    m->enabled = true;
    cfgparse_check_known(ctx, g, known, sizeof known / sizeof *known);
    s_templates(ctx, g, m);
    s_address(ctx, g, "from", &m->from);
    s_address(ctx, g, "kernteam", &m->kernteam);
    s_address(ctx, g, "gemeente", &m->gemeente);
    s_quiet(ctx, g, m);
    s_smtp(ctx, g, m);
    long long lo = m->retry_min_s, hi = m->retry_max_s, life = m->lifetime_h;
    cfgparse_int(ctx, g, "retry_min_s", 1, 86400, &lo);
    cfgparse_int(ctx, g, "retry_max_s", 1, 7 * 86400, &hi);
    cfgparse_int(ctx, g, "lifetime_hours", 1, 24 * 365, &life);
    if (hi < lo)
        cfgparse_error(ctx, g,
                       "retry_max_s (%lld) is less than retry_min_s (%lld)", hi,
                       lo);
    m->retry_min_s = (int)lo;
    m->retry_max_s = (int)hi;
    m->lifetime_h = (int)life;
}

/*
 * cfg — reads regie.conf with libconfig into a cfg_t. Every string is
 * copied before config_destroy; every mistake is reported, not only the
 * first, as "file:line: message". Main thread only.
 */
#include "cfg.h"
#include "cfgagree.h"
#include "cfgparse.h"

#include "log.h"
#include "xmem.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *s_default_categories[] = {
    "huiselijk_geweld", "kindermishandeling", "ggz",     "verslaving",
    "schulden",         "huisvesting",        "inkomen", "jeugd",
    "overig",
};

static const char *s_kinds[] = {"melding", "verwijzing", "aanmelding",
                                "signaal"};

/* Whether ep is a usable tcp:// or ipc:// endpoint; says why not. */
static bool s_endpoint_ok(const char *ep, char *why, size_t len)
{
    if (strncmp(ep, "ipc://", 6) == 0) {
        size_t n = strlen(ep + 6);
        if (n == 0 || n > 107) {
            snprintf(why, len, "ipc path must be 1 to 107 bytes");
            return false;
        }
        return true;
    }
    if (strncmp(ep, "tcp://", 6) != 0) {
        snprintf(why, len, "use tcp://HOST:PORT or ipc://PATH");
        return false;
    }
    const char *colon = strrchr(ep + 6, ':');
    if (!colon || colon == ep + 6) {
        snprintf(why, len, "tcp endpoint needs HOST:PORT");
        return false;
    }
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 1 || port > 65535) {
        snprintf(why, len, "port must be a number from 1 to 65535");
        return false;
    }
    return true;
}

/* daemon.control (the control socket's path) and control_mode. */
static void s_control(cfgparse_t *ctx, const config_setting_t *g)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *s =
        cfgparse_string(ctx, g, "control", false, &cfg->control);
    cfgparse_resolve(ctx, &cfg->control);
    if (s && strlen(cfg->control) > 107)
        cfgparse_error(ctx, s,
                       "control: the socket path must be at most 107 "
                       "bytes");
    char *mode = NULL;
    s = cfgparse_string(ctx, g, "control_mode", false, &mode);
    if (s) {
        char *end;
        long m = strtol(mode, &end, 8);
        if (*end || end == mode || m < 0600 || m > 0666 || (m & 0111))
            cfgparse_error(ctx, s,
                           "control_mode must be an octal file mode "
                           "between \"0600\" and \"0666\", like \"0660\"");
        else
            cfg->control_mode = (int)m;
    }
    free(mode);
}

static void s_daemon(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "intake",          "server_secret_key", "database",
        "pseudonym_key",   "log_level",         "busy_timeout_ms",
        "max_database_mb", "control",           "control_mode",
    };
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *g = config_setting_get_member(root, "daemon");
    if (!g || !config_setting_is_group(g)) {
        cfgparse_error(ctx, g, "missing group 'daemon: { ... };'");
        return;
    }
    cfgparse_check_known(ctx, g, known, sizeof known / sizeof *known);

    const config_setting_t *s =
        cfgparse_strings(ctx, g, "intake", &cfg->intake, &cfg->intake_n);
    if (!s && !config_setting_get_member(g, "intake"))
        cfgparse_error(ctx, g, "missing setting 'intake'");
    else if (s && cfg->intake_n == 0)
        cfgparse_error(ctx, s, "'intake' needs at least one endpoint");
    for (size_t i = 0; i < cfg->intake_n; i++) {
        char why[128];
        if (!s_endpoint_ok(cfg->intake[i], why, sizeof why))
            cfgparse_error(ctx, s, "bad intake endpoint '%s': %s",
                           cfg->intake[i], why);
    }

    char *path = NULL, err[512];
    s = cfgparse_string(ctx, g, "server_secret_key", true, &path);
    cfgparse_resolve(ctx, &path);
    if (s && keys_read_secret(path, cfg->server_public, cfg->server_secret, err,
                              sizeof err) < 0)
        cfgparse_error(ctx, s, "server_secret_key: %s", err);
    free(path);
    path = NULL;

    s = cfgparse_string(ctx, g, "pseudonym_key", true, &path);
    cfgparse_resolve(ctx, &path);
    if (s && keys_read_pseudo(path, cfg->pseudo_key, err, sizeof err) < 0)
        cfgparse_error(ctx, s, "pseudonym_key: %s", err);
    free(path);

    s = cfgparse_string(ctx, g, "database", true, &cfg->database);
    cfgparse_resolve(ctx, &cfg->database);
    if (s) {
        char *dir = xstrdup(cfg->database);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            cfgparse_error(ctx, s, "database: folder %s does not exist", dir);
        free(dir);
    }

    char *level = NULL;
    s = cfgparse_string(ctx, g, "log_level", false, &level);
    if (s && (cfg->log_level = log_level_parse(level)) < 0)
        cfgparse_error(ctx, s,
                       "log_level must be error, warning, notice, info "
                       "or debug, not '%s'",
                       level);
    free(level);

    s_control(ctx, g);
    long long v = cfg->busy_timeout_ms;
    cfgparse_int(ctx, g, "busy_timeout_ms", 0, 600000, &v);
    cfg->busy_timeout_ms = (int)v;
    v = cfg->max_database_mb;
    cfgparse_int(ctx, g, "max_database_mb", 0, 1 << 20, &v);
    cfg->max_database_mb = (int)v;
}

static void s_limits(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {"body_bytes", "message_bytes",
                                        "household", "batch"};
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *g = config_setting_get_member(root, "limits");
    if (!g)
        return;
    if (!config_setting_is_group(g)) {
        cfgparse_error(ctx, g, "'limits' must be a group { ... }");
        return;
    }
    cfgparse_check_known(ctx, g, known, sizeof known / sizeof *known);
    long long body = (long long)cfg->body_bytes;
    long long msg = (long long)cfg->message_bytes;
    long long hh = (long long)cfg->household, batch = (long long)cfg->batch;
    cfgparse_int(ctx, g, "body_bytes", 2, 16 << 20, &body);
    cfgparse_int(ctx, g, "message_bytes", 64, 32 << 20, &msg);
    cfgparse_int(ctx, g, "household", 0, 1000, &hh);
    cfgparse_int(ctx, g, "batch", 1, 100000, &batch);
    if (msg <= body)
        cfgparse_error(
            ctx,
            config_setting_get_member(g, "message_bytes")
                ? config_setting_get_member(g, "message_bytes")
                : g,
            "message_bytes (%lld) must be larger than body_bytes (%lld)", msg,
            body);
    cfg->body_bytes = (size_t)body;
    cfg->message_bytes = (size_t)msg;
    cfg->household = (size_t)hh;
    cfg->batch = (size_t)batch;
}

/* Whether name is a lower-case word of letters, digits and '_'. */
static bool s_is_word(const char *name, bool dash)
{
    if (!*name || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
              *p == '_' || (dash && *p == '-')))
            return false;
    return true;
}

static void s_categories(cfgparse_t *ctx, const config_setting_t *root)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *s = cfgparse_strings(
        ctx, root, "categories", &cfg->categories, &cfg->categories_n);
    if (!s && !config_setting_get_member(root, "categories")) {
        size_t n = sizeof s_default_categories / sizeof *s_default_categories;
        cfg->categories = xcalloc(n, sizeof *cfg->categories);
        for (size_t i = 0; i < n; i++)
            cfg->categories[i] = xstrdup(s_default_categories[i]);
        cfg->categories_n = n;
        return;
    }
    if (s && cfg->categories_n == 0)
        cfgparse_error(ctx, s, "'categories' needs at least one category");
    for (size_t i = 0; i < cfg->categories_n; i++)
        if (!s_is_word(cfg->categories[i], false))
            cfgparse_error(ctx, s,
                           "category '%s': use lower-case letters, digits "
                           "and '_'",
                           cfg->categories[i]);
}

/* Parses "NNNN" or "NNNN-NNNN" into r. */
static bool s_postcode_range(const char *text, cfg_postcode_range_t *r)
{
    int from, to, used = 0;
    if (sscanf(text, "%4d-%4d%n", &from, &to, &used) == 2 &&
        used == (int)strlen(text) && used == 9) {
    } else if (sscanf(text, "%4d%n", &from, &used) == 1 && used == 4 &&
               strlen(text) == 4) {
        to = from;
    } else {
        return false;
    }
    if (from < 1000 || to > 9999 || from > to)
        return false;
    r->from = from;
    r->to = to;
    return true;
}

static void s_postcodes(cfgparse_t *ctx, const config_setting_t *root)
{
    cfg_t *cfg = ctx->cfg;
    char **list;
    size_t n;
    const config_setting_t *s =
        cfgparse_strings(ctx, root, "postcodes", &list, &n);
    if (!s)
        return;
    if (n == 0)
        cfgparse_error(ctx, s,
                       "'postcodes' is empty: leave it out to accept "
                       "every postcode");
    cfg->postcodes = xcalloc(n, sizeof *cfg->postcodes);
    for (size_t i = 0; i < n; i++) {
        if (s_postcode_range(list[i], &cfg->postcodes[cfg->postcodes_n]))
            cfg->postcodes_n++;
        else
            cfgparse_error(ctx, s,
                           "postcode area '%s': use four digits (\"6700\") "
                           "or a range (\"6700-6709\")",
                           list[i]);
    }
    cfgparse_free_strings(list, n);
}

/* Checks every name of list is in allowed[]; what names the list. */
static void s_subset(cfgparse_t *ctx, const config_setting_t *s, char **list,
                     size_t n, const char *const *allowed, size_t an,
                     const char *what)
{
    for (size_t i = 0; i < n; i++) {
        bool ok = false;
        for (size_t k = 0; k < an; k++)
            ok = ok || strcmp(list[i], allowed[k]) == 0;
        if (!ok)
            cfgparse_error(ctx, s, "unknown %s '%s'", what, list[i]);
    }
}

static void s_partner(cfgparse_t *ctx, const config_setting_t *g,
                      cfg_partner_t *p)
{
    static const char *const known[] = {
        "id",    "name",       "public_key", "contact", "disclose_regisseur",
        "kinds", "categories", "email",      "report",
    };
    cfg_t *cfg = ctx->cfg;
    cfgparse_check_known(ctx, g, known, sizeof known / sizeof *known);
    const config_setting_t *s = cfgparse_string(ctx, g, "id", true, &p->id);
    if (s && (!s_is_word(p->id, true) || strlen(p->id) > 32))
        cfgparse_error(ctx, s,
                       "partner id '%s': use 1 to 32 lower-case letters, "
                       "digits, '-' and '_'",
                       p->id);
    cfgparse_string(ctx, g, "name", true, &p->name);
    cfgparse_string(ctx, g, "contact", false, &p->contact);
    char *key = NULL;
    s = cfgparse_string(ctx, g, "public_key", true, &key);
    if (s && !keys_z85_valid(key))
        cfgparse_error(
            ctx, s,
            "public_key of partner '%s' is not a Z85 CURVE "
            "public key (40 characters, as in the partner's .pub file)",
            p->id ? p->id : "?");
    else if (s)
        memcpy(p->public_key, key, KEYS_Z85_LEN + 1);
    free(key);
    cfgparse_bool(ctx, g, "disclose_regisseur", &p->disclose_regisseur);
    s = cfgparse_strings(ctx, g, "kinds", &p->kinds, &p->kinds_n);
    if (s)
        s_subset(ctx, s, p->kinds, p->kinds_n, s_kinds,
                 sizeof s_kinds / sizeof *s_kinds, "kind");
    s = cfgparse_strings(ctx, g, "categories", &p->categories,
                         &p->categories_n);
    if (s)
        s_subset(ctx, s, p->categories, p->categories_n,
                 (const char *const *)cfg->categories, cfg->categories_n,
                 "category (not in the top-level 'categories')");
    cfgagree_partner(ctx, g, p);
}

static void s_partners(cfgparse_t *ctx, const config_setting_t *root)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *l = config_setting_get_member(root, "partners");
    if (!l) {
        cfgparse_error(ctx, NULL,
                       "missing setting 'partners': no partner could "
                       "post a referral");
        return;
    }
    if (!config_setting_is_list(l)) {
        cfgparse_error(ctx, l,
                       "'partners' must be a list of groups: ( { ... } )");
        return;
    }
    int n = config_setting_length(l);
    cfg->partners = xcalloc((size_t)n, sizeof *cfg->partners);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (!config_setting_is_group(g)) {
            cfgparse_error(ctx, g, "each partner must be a group { ... }");
            continue;
        }
        cfg_partner_t *p = &cfg->partners[cfg->partners_n++];
        s_partner(ctx, g, p);
        for (size_t k = 0; k + 1 < cfg->partners_n; k++) {
            const cfg_partner_t *q = &cfg->partners[k];
            if (p->id && q->id && strcmp(p->id, q->id) == 0)
                cfgparse_error(ctx, g, "partner id '%s' is used twice", p->id);
            if (p->public_key[0] && strcmp(p->public_key, q->public_key) == 0)
                cfgparse_error(ctx, g,
                               "partners '%s' and '%s' have the same "
                               "public key",
                               q->id ? q->id : "?", p->id ? p->id : "?");
        }
    }
}

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
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f || !fgets(line, sizeof line, f)) {
        cfgparse_error(ctx, s, "%s: cannot read %s%s%s", name, path,
                       f ? "" : ": ", f ? "" : strerror(errno));
    } else {
        line[strcspn(line, "\r\n")] = '\0';
        *out = xstrdup(line);
    }
    if (f)
        fclose(f);
    sodium_memzero(line, sizeof line);
    free(path);
}

static void s_smtp(cfgparse_t *ctx, const config_setting_t *mg, cfg_mail_t *m)
{
    static const char *const known[] = {"host",      "port", "starttls",
                                        "ca_file",   "user", "password_file",
                                        "timeout_ms"};
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
    if (s && access(m->smtp_ca_file, R_OK) != 0)
        cfgparse_error(ctx, s, "ca_file: cannot read %s: %s", m->smtp_ca_file,
                       strerror(errno));
    cfgparse_string(ctx, g, "user", false, &m->smtp_user);
    s_secret_file(ctx, g, "password_file", &m->smtp_password);
    if (m->smtp_user && !m->smtp_password)
        cfgparse_error(ctx, g, "smtp: a user needs a password_file");
    v = m->smtp_timeout_ms;
    cfgparse_int(ctx, g, "timeout_ms", 100, 600000, &v);
    m->smtp_timeout_ms = (int)v;
}

static void s_mail(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "templates",   "from",        "kernteam",
        "gemeente",    "quiet_hours", "smtp",
        "retry_min_s", "retry_max_s", "lifetime_hours"};
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
    if (!cfgparse_string(ctx, g, "templates", false, &m->templates))
        m->templates = xstrdup("templates");
    cfgparse_resolve(ctx, &m->templates);
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

static void s_timezone(cfgparse_t *ctx, const config_setting_t *root)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *s =
        cfgparse_string(ctx, root, "timezone", false, &cfg->timezone);
    if (!s) {
        cfg->timezone = xstrdup("Europe/Amsterdam");
        return;
    }
    char *path = xasprintf("/usr/share/zoneinfo/%s", cfg->timezone);
    if (strstr(cfg->timezone, "..") || access(path, R_OK) != 0)
        cfgparse_error(ctx, s,
                       "timezone '%s' is not a known zone (like "
                       "\"Europe/Amsterdam\")",
                       cfg->timezone);
    free(path);
}

static void s_defaults(cfg_t *cfg)
{
    cfgagree_defaults(cfg);
    cfg->control_mode = 0660;
    cfg->mail.quiet_start = 20 * 60;
    cfg->mail.quiet_end = 7 * 60;
    cfg->mail.smtp_port = 587;
    cfg->mail.smtp_starttls = true;
    cfg->mail.smtp_timeout_ms = 30000;
    cfg->mail.retry_min_s = 60;
    cfg->mail.retry_max_s = 3600;
    cfg->mail.lifetime_h = 72;
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->busy_timeout_ms = 2000;
    cfg->body_bytes = 65536;
    cfg->message_bytes = 131072;
    cfg->household = 20;
    cfg->batch = 512;
}

cfg_t *cfg_load(const char *path)
{
    static const char *const known[] = {
        "daemon",     "limits",      "categories", "postcodes",
        "partners",   "timezone",    "mail",       "policies",
        "agreements", "departments", "monitoring", "domains"};
    config_t lc;
    config_init(&lc);
    cfgparse_t ctx = {.path = path, .cfg = xcalloc(1, sizeof(cfg_t))};
    s_defaults(ctx.cfg);
    ctx.cfg->path = xstrdup(path);
    char *slash = strrchr(path, '/');
    ctx.dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path))
                    : xstrdup(".");
    config_set_include_dir(&lc, ctx.dir);

    if (config_read_file(&lc, path) != CONFIG_TRUE) {
        const char *file = config_error_file(&lc);
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
            fprintf(stderr, "%s:0: cannot read the file: %s\n", path,
                    strerror(errno));
        else
            fprintf(stderr, "%s:%d: %s\n", file ? file : path,
                    config_error_line(&lc), config_error_text(&lc));
        ctx.errors++;
    } else {
        const config_setting_t *root = config_root_setting(&lc);
        cfgparse_check_known(&ctx, root, known, sizeof known / sizeof *known);
        s_daemon(&ctx, root);
        s_limits(&ctx, root);
        s_categories(&ctx, root);
        s_postcodes(&ctx, root);
        s_partners(&ctx, root);
        s_timezone(&ctx, root);
        s_mail(&ctx, root);
        cfgagree_load(&ctx, root);
    }
    config_destroy(&lc);
    free(ctx.dir);
    if (ctx.errors > 0)
        cfg_destroy(&ctx.cfg);
    return ctx.cfg;
}

void cfg_destroy(cfg_t **p)
{
    if (!p || !*p)
        return;
    cfg_t *cfg = *p;
    free(cfg->path);
    cfgparse_free_strings(cfg->intake, cfg->intake_n);
    free(cfg->database);
    cfgparse_free_strings(cfg->categories, cfg->categories_n);
    free(cfg->postcodes);
    for (size_t i = 0; i < cfg->partners_n; i++) {
        cfg_partner_t *q = &cfg->partners[i];
        free(q->id);
        free(q->name);
        free(q->contact);
        cfgparse_free_strings(q->kinds, q->kinds_n);
        cfgparse_free_strings(q->categories, q->categories_n);
        free(q->email);
        free(q->report.first_due);
        free(q->report.description);
    }
    free(cfg->partners);
    free(cfg->control);
    free(cfg->timezone);
    cfgagree_free(cfg);

    cfg_mail_t *m = &cfg->mail;
    cfg_address_t *addrs[] = {&m->from, &m->kernteam, &m->gemeente};
    for (size_t i = 0; i < 3; i++) {
        free(addrs[i]->name);
        free(addrs[i]->email);
    }
    free(m->templates);
    free(m->smtp_host);
    free(m->smtp_ca_file);
    free(m->smtp_user);
    if (m->smtp_password) {
        sodium_memzero(m->smtp_password, strlen(m->smtp_password));
        free(m->smtp_password);
    }
    sodium_memzero(cfg, sizeof *cfg);
    free(cfg);
    *p = NULL;
}

const cfg_partner_t *cfg_partner_by_key(const cfg_t *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->partners_n; i++)
        if (strcmp(cfg->partners[i].public_key, key) == 0)
            return &cfg->partners[i];
    return NULL;
}

const cfg_partner_t *cfg_partner_by_id(const cfg_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->partners_n; i++)
        if (cfg->partners[i].id && strcmp(cfg->partners[i].id, id) == 0)
            return &cfg->partners[i];
    return NULL;
}

bool cfg_list_has(char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

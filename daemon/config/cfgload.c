/*
 * cfgload — reads regie.conf with libconfig into a cfg_t: the daemon,
 * limits, categories, postcodes, partners, time zone and mail groups
 * here, the agreement and monitoring groups through cfgagree. Every
 * string is copied before config_destroy; every mistake is reported, not
 * only the first, as "file:line: message". Main thread only.
 */
#include "cfgload.h"

#include "cfg.h"
#include "cfgagree.h"
#include "cfgmail.h"
#include "cfgparse.h"

#include "confread.h"
#include "log.h"
#include "rfile.h"
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

/* daemon.intake: one endpoint or more, each well formed. */
static void s_intake(cfgparse_t *ctx, const config_setting_t *g)
{
    cfg_t *cfg = ctx->cfg;
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
}

/* daemon.server_secret_key and daemon.pseudonym_key: read here. */
static void s_keys(cfgparse_t *ctx, const config_setting_t *g)
{
    cfg_t *cfg = ctx->cfg;
    char *path = NULL, err[512];
    const config_setting_t *s =
        cfgparse_string(ctx, g, "server_secret_key", true, &path);
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
}

/* daemon.database as start will open it: an existing database must be
 * a regular file this user may read and write; a new one needs a folder
 * this user may write in. */
static void s_database(cfgparse_t *ctx, const config_setting_t *g)
{
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *s =
        cfgparse_string(ctx, g, "database", true, &cfg->database);
    cfgparse_resolve(ctx, &cfg->database);
    if (!s)
        return;
    struct stat st;
    if (stat(cfg->database, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            cfgparse_error(ctx, s, "database: %s is not a regular file%s",
                           cfg->database,
                           S_ISDIR(st.st_mode) ? " (a folder)" : "");
        else if (access(cfg->database, R_OK | W_OK) != 0)
            cfgparse_error(ctx, s, "database: cannot write %s: %s",
                           cfg->database, strerror(errno));
        return;
    }
    cfgparse_folder_writable(ctx, s, "database", cfg->database);
}

/* daemon.wal_max_mb and daemon.min_free_mb: the reserve defaults to four
 * times the bound (a WAL under sustained load runs past it by a few
 * batches; a checkpoint of it needs that much room). */
static void s_space(cfgparse_t *ctx, const config_setting_t *g)
{
    cfg_t *cfg = ctx->cfg;
    long long wal = cfg->wal_max_mb, reserve = -1;
    cfgparse_int(ctx, g, "wal_max_mb", 1, 1 << 16, &wal);
    cfgparse_int(ctx, g, "min_free_mb", 0, 1 << 20, &reserve);
    cfg->wal_max_mb = (int)wal;
    cfg->min_free_mb = reserve >= 0 ? (int)reserve : (int)(4 * wal);
    const config_setting_t *r = config_setting_get_member(g, "min_free_mb");
    if (reserve >= 0 && reserve < wal)
        cfgparse_error(ctx, r,
                       "min_free_mb (%lld) must be at least wal_max_mb "
                       "(%lld): a checkpoint of the WAL needs that room",
                       reserve, wal);
    if (cfg->max_database_mb > 0 && cfg->max_database_mb <= 2 * wal)
        cfgparse_error(ctx, config_setting_get_member(g, "max_database_mb"),
                       "max_database_mb (%d) must be more than twice "
                       "wal_max_mb (%lld)",
                       cfg->max_database_mb, wal);
}

static void s_daemon(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "intake",          "server_secret_key", "database",
        "pseudonym_key",   "log_level",         "busy_timeout_ms",
        "max_database_mb", "control",           "control_mode",
        "wal_max_mb",      "min_free_mb",
    };
    cfg_t *cfg = ctx->cfg;
    const config_setting_t *g = config_setting_get_member(root, "daemon");
    if (!g || !config_setting_is_group(g)) {
        cfgparse_error(ctx, g, "missing group 'daemon: { ... };'");
        return;
    }
    cfgparse_check_known(ctx, g, known, sizeof known / sizeof *known);
    s_intake(ctx, g);
    s_keys(ctx, g);
    s_database(ctx, g);
    char *level = NULL;
    const config_setting_t *s =
        cfgparse_string(ctx, g, "log_level", false, &level);
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
    s_space(ctx, g);
}

static void s_limits(cfgparse_t *ctx, const config_setting_t *root)
{
    static const char *const known[] = {
        "body_bytes", "message_bytes", "household",
        "batch",      "handshake_ms",  "max_connections"};
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
    long long hs = cfg->handshake_ms;
    cfgparse_int(ctx, g, "handshake_ms", 100, 60000, &hs);
    cfg->handshake_ms = (int)hs;
    cfgparse_int(ctx, g, "max_connections", -1, 1 << 24,
                 &cfg->max_connections);
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

/* Whether path is a zone file: a regular file that starts "TZif". */
static bool s_zone_file(const char *path)
{
    char err[300], magic[4];
    int fd = rfile_open(path, err, sizeof err);
    if (fd < 0)
        return false;
    bool ok = read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
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
    if (!cfg->timezone[0] || cfg->timezone[0] == '/' ||
        strstr(cfg->timezone, "..") || !s_zone_file(path))
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
    cfg->mail.smtp_max_per_session = 100;
    cfg->mail.smtp_session_s = 60;
    cfg->mail.retry_min_s = 60;
    cfg->mail.retry_max_s = 3600;
    cfg->mail.lifetime_h = 72;
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->busy_timeout_ms = 2000;
    cfg->body_bytes = 65536;
    cfg->message_bytes = 131072;
    cfg->household = 20;
    cfg->batch = 512;
    cfg->handshake_ms = 5000;
    cfg->wal_max_mb = 32;
}

cfg_t *cfgload_read(const char *path)
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

    int errors = confread_file(&lc, path, ctx.dir);
    if (errors > 0) {
        ctx.errors += errors;
    } else {
        const config_setting_t *root = config_root_setting(&lc);
        cfgparse_check_known(&ctx, root, known, sizeof known / sizeof *known);
        s_daemon(&ctx, root);
        s_limits(&ctx, root);
        s_categories(&ctx, root);
        s_postcodes(&ctx, root);
        s_partners(&ctx, root);
        s_timezone(&ctx, root);
        cfgmail_load(&ctx, root);
        cfgagree_load(&ctx, root);
    }
    config_destroy(&lc);
    free(ctx.dir);
    if (ctx.errors > 0)
        cfg_destroy(&ctx.cfg);
    return ctx.cfg;
}

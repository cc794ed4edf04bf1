/*
 * acfg — reads an adapter's libconfig file (see acfg.h) through confread,
 * so the file and each @include must be regular files (a FIFO is refused
 * at once, never waited on). The config_t stays open for the life of the
 * acfg_t so that the program's own groups can be read with the same
 * helpers; the strings handed out are copies in a pool, freed at
 * acfg_destroy. Errors are collected in a text buffer.
 */
#include "acfg.h"

#include "confread.h"
#include "keys.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct acfg {
    config_t lc;  /* the parsed file */
    bool parsed;  /* lc holds the file */
    char *path;   /* the file as given */
    char *dir;    /* its folder, for relative paths */
    char *errors; /* "file:line: message\n" ..., NUL-terminated */
    size_t errors_len;
    int nerrors;
    char **pool; /* strings handed out */
    size_t pool_n, pool_cap;
};

/* Keeps s (owned) in the pool and returns it. */
static const char *s_keep(acfg_t *cfg, char *s)
{
    if (cfg->pool_n == cfg->pool_cap) {
        cfg->pool_cap = cfg->pool_cap ? 2 * cfg->pool_cap : 16;
        cfg->pool = xrealloc(cfg->pool, cfg->pool_cap * sizeof *cfg->pool);
    }
    cfg->pool[cfg->pool_n++] = s;
    return s;
}

/* Appends one line to the error text. */
static void s_append(acfg_t *cfg, const char *file, int line, const char *msg)
{
    char *one = xasprintf("%s:%d: %s\n", file, line, msg);
    size_t n = strlen(one);
    cfg->errors = xrealloc(cfg->errors, cfg->errors_len + n + 1);
    memcpy(cfg->errors + cfg->errors_len, one, n + 1);
    cfg->errors_len += n;
    cfg->nerrors++;
    free(one);
}

/* Takes an error of confread as one of the file. */
static void s_on_read_error(void *data, const char *file, int line,
                            const char *message)
{
    s_append(data, file, line, message);
}

acfg_t *acfg_load(const char *path)
{
    if (!path)
        return NULL;
    acfg_t *cfg = xcalloc(1, sizeof *cfg);
    cfg->path = xstrdup(path);
    cfg->errors = xstrdup("");
    const char *slash = strrchr(path, '/');
    cfg->dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path))
                     : xstrdup(".");
    config_init(&cfg->lc);
    config_set_include_dir(&cfg->lc, cfg->dir);
    cfg->parsed =
        confread_report(&cfg->lc, path, cfg->dir, s_on_read_error, cfg) == 0;
    return cfg;
}

void acfg_destroy(acfg_t **p)
{
    if (!p || !*p)
        return;
    acfg_t *cfg = *p;
    config_destroy(&cfg->lc);
    for (size_t i = 0; i < cfg->pool_n; i++)
        free(cfg->pool[i]);
    free(cfg->pool);
    free(cfg->errors);
    free(cfg->path);
    free(cfg->dir);
    free(cfg);
    *p = NULL;
}

const config_setting_t *acfg_root(const acfg_t *cfg)
{
    return cfg->parsed ? config_root_setting(&cfg->lc) : NULL;
}

int acfg_error_count(const acfg_t *cfg)
{
    return cfg->nerrors;
}

const char *acfg_errors(const acfg_t *cfg)
{
    return cfg->errors;
}

void acfg_error(acfg_t *cfg, const config_setting_t *s, const char *fmt, ...)
{
    const char *file = s ? config_setting_source_file(s) : NULL;
    int line = s ? (int)config_setting_source_line(s) : 0;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_append(cfg, file ? file : cfg->path, line, msg);
}

void acfg_check_known(acfg_t *cfg, const config_setting_t *g,
                      const char *const *known)
{
    int count = g ? config_setting_length(g) : 0;
    for (int i = 0; i < count; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        bool ok = !name;
        for (size_t k = 0; !ok && known[k]; k++)
            ok = strcmp(name, known[k]) == 0;
        if (!ok)
            acfg_error(cfg, s, "unknown setting '%s'", name);
    }
}

const config_setting_t *acfg_group(acfg_t *cfg, const config_setting_t *parent,
                                   const char *name, bool required)
{
    if (!parent)
        parent = acfg_root(cfg);
    if (!parent)
        return NULL;
    const config_setting_t *g = config_setting_get_member(parent, name);
    if (!g) {
        if (required)
            acfg_error(cfg, parent, "missing group '%s'", name);
        return NULL;
    }
    if (!config_setting_is_group(g)) {
        acfg_error(cfg, g, "'%s' must be a group: %s = { ... };", name, name);
        return NULL;
    }
    return g;
}

const char *acfg_string(acfg_t *cfg, const config_setting_t *g,
                        const char *name, bool required)
{
    const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
    if (!s) {
        if (required && g)
            acfg_error(cfg, g, "missing setting '%s'", name);
        return NULL;
    }
    const char *v = config_setting_get_string(s);
    if (!v) {
        acfg_error(cfg, s, "'%s' must be a string", name);
        return NULL;
    }
    if (!*v) {
        acfg_error(cfg, s, "'%s' must not be empty", name);
        return NULL;
    }
    return s_keep(cfg, xstrdup(v));
}

const char *acfg_path(acfg_t *cfg, const config_setting_t *g, const char *name,
                      bool required)
{
    const char *v = acfg_string(cfg, g, name, required);
    if (!v || v[0] == '/')
        return v;
    return s_keep(cfg, xasprintf("%s/%s", cfg->dir, v));
}

void acfg_int(acfg_t *cfg, const config_setting_t *g, const char *name, int min,
              int max, int *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
    if (!s)
        return;
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
        acfg_error(cfg, s, "'%s' must be a whole number", name);
        return;
    }
    long long v = config_setting_get_int64(s);
    if (v < min || v > max) {
        acfg_error(cfg, s, "'%s' must be between %d and %d, not %lld", name,
                   min, max, v);
        return;
    }
    *out = (int)v;
}

void acfg_bool(acfg_t *cfg, const config_setting_t *g, const char *name,
               bool *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
    if (!s)
        return;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        acfg_error(cfg, s, "'%s' must be true or false", name);
        return;
    }
    *out = config_setting_get_bool(s);
}

/* The setting name of g, or g itself when it is missing (for lines). */
static const config_setting_t *s_at(const config_setting_t *g, const char *name)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    return s ? s : g;
}

/* Checks that the key files of opts can be read. */
static void s_check_keys(acfg_t *cfg, const config_setting_t *g,
                         const adapter_opts_t *o)
{
    char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], err[512];
    if (!o->server_key_file)
        acfg_error(cfg, g, "missing setting 'server_key'");
    else if (keys_read_z85(o->server_key_file, pub, err, sizeof err) < 0)
        acfg_error(cfg, s_at(g, "server_key"), "server_key: %s", err);
    if (!o->key_file)
        acfg_error(cfg, g, "missing setting 'key'");
    else if (keys_read_secret(o->key_file, pub, sec, err, sizeof err) < 0)
        acfg_error(cfg, s_at(g, "key"), "key: %s", err);
    memset(sec, 0, sizeof sec);
}

/* Reads log_level of g into *level (kept when missing). */
static void s_log_level(acfg_t *cfg, const config_setting_t *g, int *level)
{
    const char *v = acfg_string(cfg, g, "log_level", false);
    if (!v)
        return;
    int l = log_level_parse(v);
    if (l < 0)
        acfg_error(cfg, s_at(g, "log_level"),
                   "log_level must be error, "
                   "warning, notice, info or debug, not '%s'",
                   v);
    else
        *level = l;
}

/* Checks the endpoint of opts as adapter_new will; the keys apart. */
static void s_check_endpoint(acfg_t *cfg, const config_setting_t *g,
                             const adapter_opts_t *o)
{
    adapter_opts_t probe = *o;
    probe.server_key = NULL;
    probe.server_key_file = probe.key_file = "-";
    char err[512];
    if (adapter_opts_check(&probe, err, sizeof err) < 0)
        acfg_error(cfg, s_at(g, "endpoint"), "%s", err);
}

void acfg_adapter(acfg_t *cfg, adapter_opts_t *o, int *log_level)
{
    static const char *const known[] = {
        "endpoint",   "server_key",     "key",       "timeout_ms", "attempts",
        "backoff_ms", "backoff_max_ms", "log_level", NULL};
    adapter_opts_init(o);
    *log_level = LOG_LEVEL_INFO;
    const config_setting_t *g = acfg_group(cfg, NULL, "adapter", true);
    if (!g)
        return;
    acfg_check_known(cfg, g, known);
    const char *v;
    if ((v = acfg_string(cfg, g, "endpoint", false)))
        o->endpoint = v;
    if ((v = acfg_path(cfg, g, "server_key", false)))
        o->server_key_file = v;
    if ((v = acfg_path(cfg, g, "key", false)))
        o->key_file = v;
    acfg_int(cfg, g, "timeout_ms", 1, ADAPTER_MAX_MS, &o->timeout_ms);
    acfg_int(cfg, g, "attempts", 1, ADAPTER_MAX_ATTEMPTS, &o->attempts);
    acfg_int(cfg, g, "backoff_ms", 0, ADAPTER_MAX_MS, &o->backoff_ms);
    acfg_int(cfg, g, "backoff_max_ms", 0, ADAPTER_MAX_MS, &o->backoff_max_ms);
    s_log_level(cfg, g, log_level);
    s_check_endpoint(cfg, g, o);
    s_check_keys(cfg, g, o);
}

void acfg_spool(acfg_t *cfg, bool required, acfg_spool_t *out)
{
    static const char *const known[] = {"folder",   "rescan_ms",    "settle_ms",
                                        "retry_ms", "retry_max_ms", NULL};
    memset(out, 0, sizeof *out);
    out->rescan_ms = ACFG_DEFAULT_RESCAN_MS;
    out->settle_ms = ACFG_DEFAULT_SETTLE_MS;
    out->retry_ms = ACFG_DEFAULT_RETRY_MS;
    out->retry_max_ms = ACFG_DEFAULT_RETRY_MAX_MS;
    const config_setting_t *g = acfg_group(cfg, NULL, "spool", required);
    if (!g)
        return;
    acfg_check_known(cfg, g, known);
    out->folder = acfg_path(cfg, g, "folder", true);
    acfg_int(cfg, g, "rescan_ms", 100, 86400000, &out->rescan_ms);
    acfg_int(cfg, g, "settle_ms", 0, ADAPTER_MAX_MS, &out->settle_ms);
    acfg_int(cfg, g, "retry_ms", 1, ADAPTER_MAX_MS, &out->retry_ms);
    acfg_int(cfg, g, "retry_max_ms", 1, 86400000, &out->retry_max_ms);
    if (out->retry_max_ms < out->retry_ms)
        acfg_error(cfg, s_at(g, "retry_max_ms"),
                   "'retry_max_ms' (%d) must "
                   "not be less than 'retry_ms' (%d)",
                   out->retry_max_ms, out->retry_ms);
    struct stat st;
    if (!out->folder)
        return;
    if (stat(out->folder, &st) != 0)
        acfg_error(cfg, s_at(g, "folder"), "folder: %s: %s", out->folder,
                   strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        acfg_error(cfg, s_at(g, "folder"), "folder: %s is not a folder",
                   out->folder);
}

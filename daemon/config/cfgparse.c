/*
 * cfgparse — typed libconfig getters with file:line errors (see
 * cfgparse.h). Main thread only.
 */
#include "cfgparse.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reports "file:line: message" for setting s (or the file when NULL). */
void cfgparse_error(cfgparse_t *ctx, const config_setting_t *s, const char *fmt,
                    ...)
{
    const char *file = s ? config_setting_source_file(s) : NULL;
    unsigned line = s ? config_setting_source_line(s) : 0;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_plain(LOG_LEVEL_ERR, "%s:%u: %s", file ? file : ctx->path, line, msg);
    ctx->errors++;
}

/* Reports settings of group g whose names are not in known[]. */
void cfgparse_check_known(cfgparse_t *ctx, const config_setting_t *g,
                          const char *const *known, size_t n)
{
    int count = config_setting_length(g);
    for (int i = 0; i < count; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        bool ok = false;
        for (size_t k = 0; k < n && name; k++)
            ok = ok || strcmp(name, known[k]) == 0;
        if (name && !ok)
            cfgparse_error(ctx, s, "unknown setting '%s'", name);
    }
}

/* Copies string setting name of g into *out. Returns the setting or NULL
 * (missing: an error when required; wrong type: always an error). */
const config_setting_t *cfgparse_string(cfgparse_t *ctx,
                                        const config_setting_t *g,
                                        const char *name, bool required,
                                        char **out)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    if (!s) {
        if (required)
            cfgparse_error(ctx, g, "missing setting '%s'", name);
        return NULL;
    }
    const char *v = config_setting_get_string(s);
    if (!v) {
        cfgparse_error(ctx, s, "'%s' must be a string", name);
        return NULL;
    }
    if (!*v && required) {
        cfgparse_error(ctx, s, "'%s' must not be empty", name);
        return NULL;
    }
    *out = xstrdup(v);
    return s;
}

/* Reads integer setting name of g within [min, max] into *out, which
 * keeps its default when the setting is missing. */
void cfgparse_int(cfgparse_t *ctx, const config_setting_t *g, const char *name,
                  long long min, long long max, long long *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
    if (!s)
        return;
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
        cfgparse_error(ctx, s, "'%s' must be a whole number", name);
        return;
    }
    long long v = config_setting_get_int64(s);
    if (v < min || v > max) {
        cfgparse_error(ctx, s, "'%s' must be between %lld and %lld, not %lld",
                       name, min, max, v);
        return;
    }
    *out = v;
}

/* Reads a boolean setting; keeps *out when missing. */
void cfgparse_bool(cfgparse_t *ctx, const config_setting_t *g, const char *name,
                   bool *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    if (!s)
        return;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        cfgparse_error(ctx, s, "'%s' must be true or false", name);
        return;
    }
    *out = config_setting_get_bool(s);
}

/* Reads a list or array of strings; NULL list when missing. Returns the
 * setting or NULL. */
const config_setting_t *cfgparse_strings(cfgparse_t *ctx,
                                         const config_setting_t *g,
                                         const char *name, char ***list,
                                         size_t *n)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    *list = NULL;
    *n = 0;
    if (!s)
        return NULL;
    if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
        cfgparse_error(ctx, s,
                       "'%s' must be a list of strings, like "
                       "[ \"a\", \"b\" ]",
                       name);
        return NULL;
    }
    int count = config_setting_length(s);
    *list = xcalloc((size_t)count + 1, sizeof **list);
    for (int i = 0; i < count; i++) {
        const char *v = config_setting_get_string_elem(s, i);
        if (!v) {
            cfgparse_error(ctx, s, "'%s' must hold only strings", name);
            continue;
        }
        for (size_t k = 0; k < *n; k++)
            if (strcmp((*list)[k], v) == 0)
                cfgparse_error(ctx, s, "'%s' names '%s' twice", name, v);
        (*list)[(*n)++] = xstrdup(v);
    }
    return s;
}

void cfgparse_free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* Makes path absolute against the config file's folder; takes *path. */
void cfgparse_resolve(cfgparse_t *ctx, char **path)
{
    if (!*path || (*path)[0] == '/')
        return;
    char *abs = xasprintf("%s/%s", ctx->dir, *path);
    free(*path);
    *path = abs;
}

void cfgparse_folder_writable(cfgparse_t *ctx, const config_setting_t *s,
                              const char *name, const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        cfgparse_error(ctx, s, "%s: folder %s does not exist", name, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        cfgparse_error(ctx, s, "%s: cannot create a file in %s: %s", name, dir,
                       strerror(errno));
    free(dir);
}

int cfgparse_minutes(const char *text)
{
    int h, m, used = 0;
    if (!text || sscanf(text, "%2d:%2d%n", &h, &m, &used) != 2 ||
        used != (int)strlen(text) || h < 0 || h > 23 || m < 0 || m > 59)
        return -1;
    return h * 60 + m;
}

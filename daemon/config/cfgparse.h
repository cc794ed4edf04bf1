/*
 * cfgparse — reading libconfig settings for cfg: typed getters that copy
 * what they read and report every mistake as "file:line: message" on
 * stderr, counting them. Used only by the cfg module's files.
 */
#ifndef REGIE_CFGPARSE_H
#define REGIE_CFGPARSE_H

#include "cfg.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

/* The state of one load: where we are and how many errors so far. */
typedef struct {
    const char *path; /* the file as given */
    char *dir;        /* its folder, for relative paths */
    int errors;       /* errors reported so far */
    cfg_t *cfg;       /* what is being filled */
} cfgparse_t;

/* Reports "file:line: message" for setting s (or the file when NULL). */
void cfgparse_error(cfgparse_t *ctx, const config_setting_t *s,
                    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports settings of group g whose names are not in known[]. */
void cfgparse_check_known(cfgparse_t *ctx, const config_setting_t *g,
                          const char *const *known, size_t n);

/* Copies string setting name of g into *out. Returns the setting or NULL
 * (missing: an error when required; wrong type: always an error). */
const config_setting_t *cfgparse_string(cfgparse_t *ctx,
                                        const config_setting_t *g,
                                        const char *name, bool required,
                                        char **out);

/* Reads integer setting name of g within [min, max] into *out, which
 * keeps its default when the setting is missing. */
void cfgparse_int(cfgparse_t *ctx, const config_setting_t *g,
                  const char *name, long long min, long long max,
                  long long *out);

/* Reads a boolean setting; keeps *out when missing. */
void cfgparse_bool(cfgparse_t *ctx, const config_setting_t *g,
                   const char *name, bool *out);

/* Reads a list or array of strings; NULL list when missing. Returns the
 * setting or NULL. */
const config_setting_t *cfgparse_strings(cfgparse_t *ctx,
                                         const config_setting_t *g,
                                         const char *name, char ***list,
                                         size_t *n);

/* Frees a list of n strings. */
void cfgparse_free_strings(char **list, size_t n);

/* Makes path absolute against the config file's folder; takes *path. */
void cfgparse_resolve(cfgparse_t *ctx, char **path);

/* Whether a file can be made at path (resolved): its folder exists and
 * this user may create files in it; if not, an error at s that begins
 * with name. */
void cfgparse_folder_writable(cfgparse_t *ctx, const config_setting_t *s,
                              const char *name, const char *path);

/* Parses "HH:MM" into minutes after midnight; -1 when it is not one. */
int cfgparse_minutes(const char *text);

#endif

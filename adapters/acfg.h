/*
 * acfg — the configuration file of a spool adapter (regie-spool,
 * regie-ijw): one libconfig file with an "adapter" group (how to reach
 * regied), a "spool" group (the folder and its timing), and the groups a
 * program adds, read with the helpers here. Every mistake is collected,
 * not only the first, as "file:line: message"; the program prints them
 * and exits 78. Strings read are copied into the acfg_t and live until
 * acfg_destroy. Main thread only.
 */
#ifndef REGIE_ACFG_H
#define REGIE_ACFG_H

#include "adapter.h"

#include <libconfig.h>
#include <stdbool.h>

#define ACFG_EX_CONFIG 78 /* sysexits EX_CONFIG */

#define ACFG_DEFAULT_RESCAN_MS 60000     /* look at the folder every minute */
#define ACFG_DEFAULT_SETTLE_MS 0         /* a complete file is taken at once */
#define ACFG_DEFAULT_RETRY_MS 5000       /* first wait after a failure */
#define ACFG_DEFAULT_RETRY_MAX_MS 300000 /* the wait stops doubling here */

typedef struct acfg acfg_t;

/* The spool folder and its timing (group "spool"). folder is borrowed
 * from the acfg_t. */
typedef struct {
    const char *folder; /* where partners drop files; NULL when not set */
    int rescan_ms;      /* the folder is read at least this often */
    int settle_ms;      /* a file is taken once unchanged this long */
    int retry_ms;       /* wait after a temporary failure, doubling ... */
    int retry_max_ms;   /* ... up to this */
} acfg_spool_t;

/* Reads the file at path. Always returns an acfg_t (NULL only for a NULL
 * path): a file that cannot be read or parsed is one error, and then
 * acfg_root is NULL and every helper below finds nothing. */
acfg_t *acfg_load(const char *path);

/* Frees cfg and every string read from it; sets *p to NULL. Accepts
 * NULL and *p == NULL. */
void acfg_destroy(acfg_t **p);

/* Returns the root group, or NULL when the file could not be parsed. */
const config_setting_t *acfg_root(const acfg_t *cfg);

/* Returns the number of errors so far. */
int acfg_error_count(const acfg_t *cfg);

/* Returns every error so far, each "file:line: message\n", in the order
 * found; "" when none. Borrowed until the next call on cfg. */
const char *acfg_errors(const acfg_t *cfg);

/* Records an error at setting s (at the file, line 0, when s is NULL). */
void acfg_error(acfg_t *cfg, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records "unknown setting 'x'" for each member of group g whose name is
 * not in known (a NULL-terminated list). Accepts g NULL. */
void acfg_check_known(acfg_t *cfg, const config_setting_t *g,
                      const char *const *known);

/* Returns member name of parent (the root when parent is NULL) when it is
 * a group; NULL when missing (an error when required) or not a group (an
 * error). */
const config_setting_t *acfg_group(acfg_t *cfg, const config_setting_t *parent,
                                   const char *name, bool required);

/* Returns a copy (owned by cfg) of string member name of g; NULL when
 * missing (an error when required) or not a string (an error). An empty
 * string is an error. Accepts g NULL (returns NULL, no error). */
const char *acfg_string(acfg_t *cfg, const config_setting_t *g,
                        const char *name, bool required);

/* As acfg_string, and a relative path is made absolute against the folder
 * of the configuration file. */
const char *acfg_path(acfg_t *cfg, const config_setting_t *g, const char *name,
                      bool required);

/* Reads integer member name of g within min..max into *out, which keeps
 * its value when the member is missing. Accepts g NULL. */
void acfg_int(acfg_t *cfg, const config_setting_t *g, const char *name, int min,
              int max, int *out);

/* Reads boolean member name of g into *out (kept when missing). */
void acfg_bool(acfg_t *cfg, const config_setting_t *g, const char *name,
               bool *out);

/* Reads the required group "adapter": endpoint, server_key (the daemon's
 * .pub file), key (this partner's .key file), timeout_ms, attempts,
 * backoff_ms, backoff_max_ms, log_level. opts starts from
 * adapter_opts_init (so REGIE_ENDPOINT, REGIE_SERVER_KEY and REGIE_KEY
 * give defaults); its strings are borrowed from cfg or the environment.
 * The key files must be readable. *log_level gets the level (default
 * LOG_LEVEL_INFO). */
void acfg_adapter(acfg_t *cfg, adapter_opts_t *opts, int *log_level);

/* Reads group "spool" into *out (defaults above): folder (an existing
 * folder), rescan_ms, settle_ms, retry_ms, retry_max_ms. A missing group
 * is an error only when required; then out->folder is NULL. */
void acfg_spool(acfg_t *cfg, bool required, acfg_spool_t *out);

#endif

/*
 * audit — appends events to the audit trail. Main thread only.
 */
#include "audit.h"

#include <stdbool.h>
#include <stdlib.h>

static const char s_sql_add[] =
    "INSERT INTO event (at, actor, action, case_id, agreement_id, ref,"
    " details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/* Appends one event; details is JSON text or NULL; free_details: the
 * statement takes it (and frees it). */
static int s_add(store_t *s, int64_t at, const char *actor,
                 const char *action, int64_t case_id, int64_t agreement_id,
                 const char *ref, char *details, bool free_details)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_add);
    if (!st) {
        if (free_details)
            free(details);
        return -1;
    }
    store_bind_int64(s, st, 1, at);
    store_bind_text(s, st, 2, actor);
    store_bind_text(s, st, 3, action);
    if (case_id)
        store_bind_int64(s, st, 4, case_id);
    if (agreement_id)
        store_bind_int64(s, st, 5, agreement_id);
    if (ref)
        store_bind_text(s, st, 6, ref);
    if (details && free_details)
        store_bind_text_free(s, st, 7, details);
    else if (details)
        store_bind_text(s, st, 7, details);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

int audit_add(store_t *s, int64_t at, const char *actor, const char *action,
              int64_t case_id, int64_t agreement_id, const char *ref,
              const json_t *details)
{
    char *text =
        details ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    return s_add(s, at, actor, action, case_id, agreement_id, ref, text,
                 true);
}

int audit_add_text(store_t *s, int64_t at, const char *actor,
                   const char *action, int64_t case_id, int64_t agreement_id,
                   const char *ref, const char *details)
{
    return s_add(s, at, actor, action, case_id, agreement_id, ref,
                 (char *)details, false);
}

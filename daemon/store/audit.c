/*
 * audit — appends events to the audit trail. Main thread only.
 */
#include "audit.h"

#include <stdlib.h>

static const char s_sql_add[] =
    "INSERT INTO event (at, actor, action, case_id, agreement_id, ref,"
    " details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int audit_add(store_t *s, int64_t at, const char *actor, const char *action,
              int64_t case_id, int64_t agreement_id, const char *ref,
              const json_t *details)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_add);
    if (!st)
        return -1;
    char *text =
        details ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    if (case_id)
        sqlite3_bind_int64(st, 4, case_id);
    if (agreement_id)
        sqlite3_bind_int64(st, 5, agreement_id);
    if (ref)
        sqlite3_bind_text(st, 6, ref, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(st, 7, text, -1, free);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * agreekey — import keys of agreements (see agreekey.h). Main thread
 * only.
 */
#include "agreekey.h"

static const char s_sql_find[] =
    "SELECT id FROM agreement WHERE import_key = ?1";
static const char s_sql_set[] =
    "UPDATE agreement SET import_key = ?2 WHERE id = ?1"
    " AND import_key IS NULL";

int agreekey_find(store_t *s, const char *key, int64_t *id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_find);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, key);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int agreekey_set(store_t *s, int64_t id, const char *key)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_set);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_text(s, st, 2, key);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * dbjson — SQLite columns as JSON values. Stateless.
 */
#include "dbjson.h"

#include "ref.h"

json_t *dbjson_text(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    return v ? json_string((const char *)v) : json_null();
}

json_t *dbjson_int(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return json_integer(sqlite3_column_int64(st, col));
}

json_t *dbjson_time(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return ref_time_json(sqlite3_column_int64(st, col));
}

json_t *dbjson_ref(sqlite3_stmt *st, int col, const char *prefix)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return ref_json(prefix, sqlite3_column_int64(st, col));
}

json_t *dbjson_rows(store_t *s, sqlite3_stmt *st,
                    json_t *(*row)(sqlite3_stmt *st))
{
    json_t *rows = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        json_array_append_new(rows, row(st));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

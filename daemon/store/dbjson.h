/*
 * dbjson — one column of the current row of an SQLite statement as a new
 * JSON value, SQL NULL as JSON null, and the rows of a statement as a
 * JSON array. Used by the modules that answer
 * regiectl from the database; no state, any thread.
 */
#ifndef REGIE_DBJSON_H
#define REGIE_DBJSON_H

#include "store.h"

#include <jansson.h>
#include <sqlite3.h>

/* The column's text as a JSON string (copied), or null. */
json_t *dbjson_text(sqlite3_stmt *st, int col);

/* The column as a JSON integer, or null. */
json_t *dbjson_int(sqlite3_stmt *st, int col);

/* The column, seconds since the epoch, as an RFC 3339 UTC string
 * ("2026-11-22T08:00:00Z", see ref_time), or null. */
json_t *dbjson_time(sqlite3_stmt *st, int col);

/* The column, a row id, as a reference with this prefix ("C-000017", see
 * ref_format), or null. */
json_t *dbjson_ref(sqlite3_stmt *st, int col, const char *prefix);

/* Steps st (bound by the caller) to its end, one element per row made
 * by row, and resets it. Returns the array (new reference), or NULL on a
 * store error (logged by the store). */
json_t *dbjson_rows(store_t *s, sqlite3_stmt *st,
                    json_t *(*row)(sqlite3_stmt *st));

#endif

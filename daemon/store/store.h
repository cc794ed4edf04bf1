/*
 * store — the SQLite database of regied: opened in WAL mode with
 * synchronous=FULL (read back and checked), created 0600, its schema
 * migrated at open (schema.c). Keeps prepared statements, and is the one
 * place that turns SQLite errors into a log line. Owned by the main thread (the single writer); regiectl-style
 * readers open their own.
 */
#ifndef REGIE_STORE_H
#define REGIE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct store store_t;

/* SQLite's process-wide settings; once, at start, before any thread
 * opens a database. Turns off SQLite's memory statistics, which regie
 * never reads: they take a global mutex around every allocation (8 % of
 * the instructions of the intake's SQL). */
void store_global_init(void);

/* Opens (creating, mode 0600) and migrates the database at path. A write
 * waits busy_timeout_ms for a lock; max_mb > 0 caps the file size.
 * Returns a store or NULL after logging why. */
store_t *store_open(const char *path, int busy_timeout_ms, int max_mb);

/* Leaves checkpoints to a checkpointer (see ckpt.h): the writer stops
 * checkpointing after its commits, but for a WAL that has grown past
 * STORE_WAL_FALLBACK pages, which it checkpoints itself. Returns 0 or
 * -1 after logging. */
#define STORE_WAL_FALLBACK 20000
int store_manual_checkpoints(store_t *s);

/* Bounds the WAL to about mb MiB: past mb the writer finishes the
 * checkpointer's copy after its commit and starts the WAL over; past
 * twice mb it truncates the WAL; SQLite cuts the file to twice mb when
 * the WAL starts over (journal_size_limit). Returns 0 or -1 after
 * logging. */
int store_set_wal_limit(store_t *s, int mb);

/* Asks that the next successful store_commit be followed by a
 * checkpoint that truncates the WAL, so that the pages of rows just
 * deleted (which secure_delete overwrote in the database) are not left
 * readable in it either. While readers or the checkpointer keep it from
 * truncating (for two seconds), it is tried again after later commits.
 * A rollback forgets a request made in its transaction. */
void store_scrub_after_commit(store_t *s);

/* Closes the database and frees the store; sets *p to NULL; accepts NULL. */
void store_destroy(store_t **p);

/* The connection, for modules that run their own queries in this thread.
 * Borrowed for the life of the store. */
sqlite3 *store_db(store_t *s);

/* Returns the prepared statement for sql (a string with static storage:
 * the pointer is the cache key), reset and with bindings cleared; NULL
 * after logging on error. The statement belongs to the store. */
sqlite3_stmt *store_prepare(store_t *s, const char *sql);

/* Bind parameter i (from 1) of st, a statement of store_prepare: an
 * integer, a text (NULL binds NULL; the text must last until the
 * statement is reset), a blob of len bytes (the same), or NULL. A failed
 * bind is logged here, once, and makes the statement's next store_step
 * fail (return -1) without running it, so no caller can go on with a
 * parameter it did not set. */
void store_bind_int64(store_t *s, sqlite3_stmt *st, int i, int64_t v);
void store_bind_text(store_t *s, sqlite3_stmt *st, int i, const char *text);
/* The same for a text the statement takes (freed by SQLite, also when
 * the bind fails). */
void store_bind_text_free(store_t *s, sqlite3_stmt *st, int i, char *text);
void store_bind_blob(store_t *s, sqlite3_stmt *st, int i, const void *p,
                     int len);
void store_bind_null(store_t *s, sqlite3_stmt *st, int i);

/* Steps st: returns SQLITE_ROW or SQLITE_DONE, or -1 after logging the
 * error (and resets st); -1 at once, without running it, when a bind of
 * st failed since it was prepared. */
int store_step(store_t *s, sqlite3_stmt *st);

/* Runs sql, a query of one row and one column without parameters (a
 * static string, as for store_prepare), and returns its value, or
 * fallback when it is NULL, there is no row, or on an error (logged). */
int64_t store_int64(store_t *s, const char *sql, int64_t fallback);

/* store_int64 for a query the main loop asks again and again: outside a
 * transaction its value is kept until this connection next changes a
 * row (the database's only writer), so asking again costs no query.
 * Up to four such queries; a fifth takes the first one's place. Inside
 * a transaction, and on an error, it is store_int64. */
int64_t store_int64_memo(store_t *s, const char *sql, int64_t fallback);

/* Runs sql (no results). Returns 0 or -1 after logging. */
int store_exec(store_t *s, const char *sql);

/* BEGIN IMMEDIATE (waits for the write lock up to the busy timeout),
 * COMMIT, ROLLBACK. begin and commit return 0 or -1 after logging; a
 * failed commit has been rolled back. */
int store_begin(store_t *s);
int store_commit(store_t *s);
void store_rollback(store_t *s);

/* Whether a transaction is open. */
bool store_in_transaction(store_t *s);

/* rowid of the last insert on this connection. */
int64_t store_last_id(store_t *s);

/* Copies a text column (NULL stays NULL); the caller frees. */
char *store_column_dup(sqlite3_stmt *st, int col);

#endif

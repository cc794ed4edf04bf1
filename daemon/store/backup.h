/*
 * backup — a consistent copy of the database while regied goes on
 * taking referrals: SQLite's online backup API, run in a thread of its
 * own on a read connection of its own, copying every page in one step
 * (one read transaction, so one snapshot: in WAL mode the writer is not
 * blocked, and a copy made step by step would restart whenever the
 * writer commits). The copy is created 0600 (O_EXCL: never over an
 * existing file), switched to a self-contained rollback-journal file and
 * checked with PRAGMA integrity_check before it counts as made; a failed
 * copy is removed. One backup at a time.
 *
 * Threads: the main thread calls every function here; the worker thread
 * owns its two connections and reports through the state in backup_t,
 * guarded by a mutex (the only thing the two threads share).
 */
#ifndef REGIE_BACKUP_H
#define REGIE_BACKUP_H

#include "problem.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct backup backup_t;

/* What a finished backup gives, for the audit trail. */
typedef struct {
    char *path;    /* the copy (owned) */
    bool ok;       /* made and checked; else removed */
    char *error;   /* why not (owned), or NULL */
    int64_t pages; /* pages copied */
} backup_result_t;

/* A backup maker for the database at db_path (copied). */
backup_t *backup_new(const char *db_path);

/* Waits for a running backup to end, then frees; sets *p to NULL;
 * accepts NULL. */
void backup_destroy(backup_t **p);

/* Starts copying to dest, an absolute path of a file that does not
 * exist yet (created here, 0600). now is the daemon's time, for the
 * status. Refuses a relative path, a folder that is not there or not
 * writable (bad_request), an existing file or a backup still running
 * (conflict). Returns 0, or -1 with pb set. */
int backup_start(backup_t *b, const char *dest, int64_t now, problem_t *pb);

/* The state as a new JSON object {state: "idle" | "running" | "done" |
 * "failed", path, started_at, finished_at, pages, error}. */
json_t *backup_status(backup_t *b);

/* Whether a backup runs now. */
bool backup_running(backup_t *b);

/* Whether a backup runs, or ended and its result was not taken yet. */
bool backup_busy(backup_t *b);

/* The result of the last backup when it ended and was not taken yet:
 * fills r (free with backup_result_clear) and returns true, once. */
bool backup_take_result(backup_t *b, backup_result_t *r);

/* Frees the strings of r. */
void backup_result_clear(backup_result_t *r);

#endif

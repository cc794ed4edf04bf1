/*
 * space — whether a write to the database may start: the file system
 * keeps min_free_mb free (the reserve a checkpoint of the largest WAL
 * needs, so a full disk can never wedge the database), and the database
 * with its WAL stays under max_database_mb. Checked before SQLite would
 * fail, so a partner gets "unavailable" at once and nothing half-written
 * is left; the check passes again by itself when space returns. No state
 * beyond the last answer; main thread.
 */
#ifndef REGIE_SPACE_H
#define REGIE_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *db_path;  /* the database file (its -wal next to it) */
    int64_t min_free_mb;  /* free space the file system must keep; 0: no */
    int64_t max_db_mb;    /* database + WAL at most; 0: no cap */
} space_limits_t;

/* Whether a write may start under lim. Returns true, or false with why
 * (len bytes) set to a sentence for the log and the partner, e.g. "12 MB
 * free on the database's file system, the reserve is 64 MB". A file
 * system that cannot be asked (statvfs fails) is not a reason to refuse:
 * SQLite will tell. */
bool space_ok(const space_limits_t *lim, char *why, size_t len);

/* Bytes of the database file and of its WAL (0 for a file not there). */
int64_t space_db_bytes(const char *db_path);

#endif

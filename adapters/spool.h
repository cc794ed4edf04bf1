/*
 * spool — the folder a partner drops files in, and its three subfolders:
 *
 *   FOLDER         complete files arrive here (a writer uploads under a
 *                  dot-name or a .tmp/.part name and renames at the end)
 *   FOLDER work    a file being handled: claimed by an atomic rename
 *   FOLDER done    every record of the file was acknowledged
 *   FOLDER failed  a record (or the file) was refused; NAME.error beside
 *                  it says which and why
 *
 * A file is taken when its name is not a dot-name, does not end in .tmp,
 * .part, .partial or .filepart, ends in one of the program's extensions,
 * it is a regular file (not a link), and, with a settle time, it has not
 * changed for that long. Every move is a rename(2) within one file system
 * followed by an fsync of both folders, so after a crash or a kill -9 a
 * file is in exactly one place; one left in work/ is handed out again
 * first. The folder is watched with inotify (IN_CLOSE_WRITE, IN_MOVED_TO)
 * so a new file is seen at once; the caller also rescans now and then.
 * One thread.
 */
#ifndef REGIE_SPOOL_H
#define REGIE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAX_FILE (256u << 20) /* largest file read: 256 MiB */

typedef struct spool spool_t;

/* Opens the spool at folder (an existing folder): makes work/, done/ and
 * failed/ when missing and starts watching it. extensions is a NULL-
 * terminated list like {".csv", ".json", NULL} (compared without case),
 * copied; settle_ms is 0 or the time a file must be unchanged. Without
 * inotify (a warning is logged) the folder is only read when asked.
 * Returns the spool, or NULL with a sentence in err (errlen bytes). */
spool_t *spool_open(const char *folder, const char *const *extensions,
                    int settle_ms, char *err, size_t errlen);

/* Stops watching, frees the spool and sets *p to NULL; accepts NULL and
 * *p == NULL. */
void spool_destroy(spool_t **p);

/* Returns the descriptor that becomes readable when a file may have
 * arrived (to poll), or -1 without inotify. */
int spool_fd(const spool_t *self);

/* Reads and forgets the events waiting on spool_fd. */
void spool_drain(spool_t *self);

/* Returns whether name follows the naming convention above: not a dot-
 * name or an upload in progress, and one of the extensions. */
bool spool_name_ok(const spool_t *self, const char *name);

/* Returns the name (owned by the caller) of the next file to handle, now
 * in work/: a file left in work/ first (in name order), else the oldest
 * complete file of the folder (by modification time, then name), claimed
 * by renaming it into work/. Returns NULL when there is none; *wait_ms
 * then gets the milliseconds until a file that is still settling may be
 * taken, or -1. A file that cannot be claimed is logged and skipped. */
char *spool_next(spool_t *self, int64_t *wait_ms);

/* Returns FOLDER/sub/name (sub may be NULL: FOLDER/name), owned by the
 * caller. */
char *spool_path(const spool_t *self, const char *sub, const char *name);

/* Reads work/name into *data (NUL added, owned by the caller; *len bytes
 * without it). Returns 0; -1 with a sentence in err and errno set (EFBIG
 * for a file over SPOOL_MAX_FILE). */
int spool_read(const spool_t *self, const char *name, char **data, size_t *len,
               char *err, size_t errlen);

/* Moves work/name into done/. Its name there is name, or, when that is
 * taken, name with ".N" before its extension (a.csv, a.1.csv, ...);
 * *final (if given) gets it, owned by the caller. Returns 0, or -1 after
 * logging (the file stays in work/). */
int spool_done(spool_t *self, const char *name, char **final);

/* Writes report to failed/F.error (F as for spool_done, in failed/),
 * then moves work/name to failed/F: a file in failed/ always has its
 * .error. Returns 0, or -1 after logging (the file stays in work/). */
int spool_failed(spool_t *self, const char *name, const char *report,
                 char **final);

#endif

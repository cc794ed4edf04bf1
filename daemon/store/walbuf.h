/*
 * walbuf — an SQLite VFS over the default one that turns the WAL writes
 * of a commit into a few large write(2)s (of up to 124 KiB). SQLite
 * writes each frame of a commit as two calls (its 24-byte header, then
 * the page); here, with a few hundred pages a batch, those calls were
 * the largest part of the writer's CPU per referral. The WAL file of a connection that
 * walbuf_attach linked keeps contiguous writes in a buffer and writes
 * them out before anything that could see or need them: a sync (so a
 * commit is as durable as before, and ACK still means durable), a read,
 * a size or truncation of the WAL, a write elsewhere, its close, and,
 * on the database file, the shared-memory barrier that publishes a new
 * WAL header and the release of the write lock (so another connection
 * never sees a frame the file does not hold yet, whatever the
 * synchronous setting). Every other file and call goes to the default
 * VFS unchanged. The VFS is process-wide; each file belongs to its
 * connection's thread.
 */
#ifndef REGIE_WALBUF_H
#define REGIE_WALBUF_H

#include <sqlite3.h>
#include <stdbool.h>

#define WALBUF_VFS "regie-walbuf"

/* Registers the VFS (not as the default); safe to call more than once
 * and from any thread. Returns its name, or NULL when it could not be
 * registered (then open with the default VFS). */
const char *walbuf_register(void);

/* Links the database file and the WAL of db's main database (opened
 * through the VFS, in WAL mode, its WAL open) so that the WAL's writes
 * are buffered. Returns whether they are. */
bool walbuf_attach(sqlite3 *db);

#endif

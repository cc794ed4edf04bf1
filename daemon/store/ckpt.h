/*
 * ckpt — the WAL checkpointer: a thread with its own connection to the
 * database that copies committed WAL frames into the database file every
 * few tens of milliseconds (PASSIVE: it never blocks the writer), so the
 * checkpoint and its fsync of the database file are off the path between
 * a commit and its ACK. Shares nothing with other threads but the file.
 */
#ifndef REGIE_CKPT_H
#define REGIE_CKPT_H

typedef struct ckpt ckpt_t;

/* Opens path and starts checkpointing every interval_ms: PASSIVE, or
 * TRUNCATE once the WAL has passed wal_max_mb MiB (0: never), which waits
 * for the writer's next pause and resets the WAL, so it stays bounded
 * under continuous load (passive checkpoints alone never catch up).
 * Returns the checkpointer, or NULL after logging (the writer then keeps
 * checkpointing itself). */
ckpt_t *ckpt_new(const char *path, int interval_ms, int wal_max_mb);

/* Stops the thread (after a last checkpoint) and closes its connection;
 * sets *p to NULL; accepts NULL. */
void ckpt_destroy(ckpt_t **p);

#endif

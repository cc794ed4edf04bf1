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

/* Opens path and starts checkpointing every interval_ms, PASSIVE only.
 * Under continuous load that never copies the last frames (the writer
 * adds some while it copies), so the writer cannot start the WAL over:
 * the writer does that last step itself (see store_set_wal_limit), and
 * finds little left to copy. A checkpoint that held the writer up (a
 * TRUNCATE or RESTART here waits for the lock, then copies and syncs
 * with it held) cost the writer tens of milliseconds each time. Returns
 * the checkpointer, or NULL after logging (the writer then keeps
 * checkpointing itself). */
ckpt_t *ckpt_new(const char *path, int interval_ms);

/* Stops the thread (after a last checkpoint) and closes its connection;
 * sets *p to NULL; accepts NULL. */
void ckpt_destroy(ckpt_t **p);

#endif

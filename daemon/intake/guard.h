/*
 * guard — keeps the intake serving when a network floods it with
 * connections: counts the open connections of the intake socket (from
 * its ZeroMQ monitor), and when they reach the ceiling, or when libzmq
 * reports that accept() failed for want of descriptors (its listener
 * would otherwise retry at 100 % CPU), closes the TCP listeners for a
 * moment: that drops every connection they accepted (partners reconnect
 * and resend, RRP/1 makes that safe), frees the descriptors, and stops
 * the spin; the listeners are bound again after GUARD_PAUSE_MS. Also
 * counts refused handshakes by reason for the metrics. Used by the thread
 * that owns the intake socket (the decoder thread).
 */
#ifndef REGIE_GUARD_H
#define REGIE_GUARD_H

#include "tally.h"

#include <stddef.h>
#include <stdint.h>

#define GUARD_PAUSE_MS 1000  /* listeners stay closed this long */
#define GUARD_RESERVE_FDS 256 /* descriptors kept for everything else */
#define GUARD_LOG_INTERVAL_MS 60000 /* failed handshakes summed per minute */

typedef struct guard guard_t;

/* What the guard has seen since start. */
typedef struct {
    int64_t accepted;     /* connections accepted */
    int64_t open;         /* open now (accepted, not yet disconnected) */
    int64_t closes;       /* times the listeners were closed */
    int64_t accept_failed; /* accept() failures (descriptors, memory) */
    int64_t refused_handshake; /* handshakes that failed (any reason) */
} guard_stats_t;

/* Watches intake (a bound ROUTER of zmq_ctx, borrowed) whose endpoints
 * are the n strings of endpoints (copied).
 * ceiling > 0: close the TCP listeners at that many open connections;
 * 0: at the descriptor limit less GUARD_RESERVE_FDS; -1: never (no
 * guard: the listeners stay open whatever happens, for comparison runs;
 * connections are still counted). Returns the guard, or NULL after
 * logging. */
guard_t *guard_new(void *zmq_ctx, void *intake, char *const *endpoints,
                   size_t n, int64_t ceiling);

/* The monitor socket to poll for ZMQ_POLLIN. Borrowed. */
void *guard_socket(guard_t *g);

/* Reads the waiting monitor events; may close the listeners. now_ms is
 * the monotonic time in milliseconds. */
void guard_handle(guard_t *g, int64_t now_ms);

/* Binds the listeners again when their pause is over, and logs the
 * failed handshakes summed up since the last line when their minute is
 * over. Returns the milliseconds until it must be called again, or -1
 * when nothing waits. */
int64_t guard_tick(guard_t *g, int64_t now_ms);

/* Failed handshakes by reason since start (handshake-protocol: not a
 * CURVE client or a broken greeting; handshake-failed: timed out or cut),
 * for the metrics; borrowed for the life of g. */
const tally_t *guard_refusals(const guard_t *g);

/* The counters. */
guard_stats_t guard_stats(const guard_t *g);

/* Stops the monitor and frees; sets *p to NULL; accepts NULL. */
void guard_destroy(guard_t **p);

#endif

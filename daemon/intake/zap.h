/*
 * zap — the ZeroMQ authentication handler (ZAP, RFC 27) for the intake:
 * admits a CURVE client only when its public key belongs to a configured
 * partner, and names the partner as the connection's User-Id. It must be
 * bound before the intake socket: libzmq's CURVE server admits any key
 * when no handler is bound. A refusal is logged the first time in a
 * minute, then summed up (a flood must not flood the journal). Polled in the main loop; main thread only.
 */
#ifndef REGIE_ZAP_H
#define REGIE_ZAP_H

#include "config/cfg.h"
#include "tally.h"

#include <stdint.h>

#define ZAP_LOG_INTERVAL_MS 60000 /* refusals summed up per minute */

typedef struct zap zap_t;

/* Binds the handler on inproc://zeromq.zap.01 of ctx. Returns it, or NULL
 * after logging (then the daemon must not start). cfg is borrowed. */
zap_t *zap_new(void *ctx, const cfg_t *cfg);

/* Uses cfg for the next handshakes (after a reload). */
void zap_set_cfg(zap_t *z, const cfg_t *cfg);

/* The socket to poll for ZMQ_POLLIN. */
void *zap_socket(zap_t *z);

/* Answers every request waiting on the socket: 200 with the partner id as
 * User-Id, or 400. Never blocks. */
void zap_handle(zap_t *z);

/* Logs the refusals summed up since the last line when their minute is
 * over (see tally.h). Returns the milliseconds until it must be called
 * again, or -1. */
int64_t zap_flush(zap_t *z, int64_t now_ms);

/* The refusals by reason since start, for the metrics; borrowed for the
 * life of z. */
const tally_t *zap_refusals(const zap_t *z);

/* Closes the socket and frees; sets *p to NULL; accepts NULL. */
void zap_destroy(zap_t **p);

#endif

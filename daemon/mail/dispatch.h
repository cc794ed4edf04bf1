/*
 * dispatch — the main thread's side of sending mail: picks the
 * notification due first from the outbox, holds it through quiet hours
 * (unless urgent), hands it to the sender thread, and records the
 * outcome: sent; a temporary failure retried with exponential backoff
 * until the configured lifetime; a permanent one marked failed with the
 * server's reply. Main thread only.
 */
#ifndef REGIE_DISPATCH_H
#define REGIE_DISPATCH_H

#include "config/cfg.h"
#include "store/store.h"

#include <stdint.h>

typedef struct dispatch dispatch_t;

/* Starts the sender thread. Returns NULL after logging. cfg and store
 * are borrowed. */
dispatch_t *dispatch_new(void *zmq_ctx, store_t *store, const cfg_t *cfg);

/* Uses cfg from now on (after a reload). */
void dispatch_set_cfg(dispatch_t *d, const cfg_t *cfg);

/* Stops the sender thread and frees; sets *p to NULL; accepts NULL. */
void dispatch_destroy(dispatch_t **p);

/* The socket to poll: readable when the sender has an outcome. */
void *dispatch_socket(dispatch_t *d);

/* Records the sender's outcome, then hands over the next due one. */
void dispatch_on_outcome(dispatch_t *d);

/* Hands the next due notification to the sender when it is idle. */
void dispatch_kick(dispatch_t *d);

/* Milliseconds until the next notification is due (0: now), or -1 when
 * none is pending or the sender is busy. */
long dispatch_timeout_ms(dispatch_t *d);

#endif

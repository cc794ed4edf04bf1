/*
 * dispatch — the main thread's side of sending mail: picks the
 * notification due first from the outbox, holds it through quiet hours
 * (unless urgent), hands it to the sender thread, and records the
 * outcome: sent; a temporary failure retried with exponential backoff
 * until the configured lifetime; a permanent one marked failed with the
 * server's reply. Its decisions (the backoff, the verdict on an
 * outcome, the end of quiet hours) are functions of the settings and
 * the times given. Main thread only.
 */
#ifndef REGIE_DISPATCH_H
#define REGIE_DISPATCH_H

#include "config/cfg.h"
#include "smtp.h"
#include "store/store.h"

#include <stdbool.h>
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

/* What becomes of a notification after the outcome of one attempt. */
typedef enum {
    DISPATCH_SENT,    /* the server accepted it */
    DISPATCH_FAILED,  /* refused for good: failed, with the reply */
    DISPATCH_GIVE_UP, /* still not sent at the end of its lifetime */
    DISPATCH_RETRY    /* try again later */
} dispatch_verdict_t;

/* The pause after a temporary failure of attempt attempts (1, 2, ...):
 * m->retry_min_s, doubled for each attempt after the first, at most
 * m->retry_max_s. */
int64_t dispatch_backoff(const cfg_mail_t *m, int attempts);

/* The verdict on outcome r of the attempt after attempts earlier ones
 * of a notification queued at created, at now: sent; a permanent
 * refusal of this message failed; anything else (a temporary failure,
 * or a refusal every message would get: server, certificate, password)
 * retried at *retry_at (set only then, now plus the backoff), unless
 * the notification has been queued for the configured lifetime. */
dispatch_verdict_t dispatch_verdict(const cfg_mail_t *m, const smtp_result_t *r,
                                    int attempts, int64_t created, int64_t now,
                                    int64_t *retry_at);

/* When a notification may go out, seen at now: now, or, for one not
 * urgent, the end of the quiet hours now falls in. */
int64_t dispatch_release_at(const cfg_mail_t *m, bool urgent, int64_t now);

#endif

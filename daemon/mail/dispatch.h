/*
 * dispatch — the main thread's side of sending mail: picks the
 * notifications due first from the outbox, holds them through quiet
 * hours (unless urgent), hands them to the sender thread, up to
 * DISPATCH_WINDOW at a time (so that its SMTP session always has a next
 * mail), and records each outcome: sent; a temporary failure retried
 * with exponential backoff until the configured lifetime; a permanent
 * one marked failed with the server's reply; one the session never got
 * to, due again at once, no attempt counted. Its decisions (the backoff,
 * the verdict on an outcome, the end of quiet hours) are functions of
 * the settings and the times given. Main thread only.
 */
#ifndef REGIE_DISPATCH_H
#define REGIE_DISPATCH_H

#include "config/cfg.h"
#include "smtp.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define DISPATCH_WINDOW 16 /* notifications out with the sender at most */
/* Outcomes are recorded DISPATCH_RECORD_N at a time, when the sender
 * has no other mail in hand, or once the first waited
 * DISPATCH_RECORD_MS: one commit (a sync) for many mails, where
 * one per mail cost the main thread about 200 µs a mail and a sync
 * beside every intake batch. A mail sent but not yet recorded when the
 * process dies is sent again, with the same Message-ID, as one the
 * server took just before a crash always was. */
#define DISPATCH_RECORD_N (DISPATCH_WINDOW / 2)
#define DISPATCH_RECORD_MS 20

typedef struct dispatch dispatch_t;

/* Starts the sender thread. Returns NULL after logging. cfg and store
 * are borrowed. */
dispatch_t *dispatch_new(void *zmq_ctx, store_t *store, const cfg_t *cfg);

/* Uses cfg from now on (after a reload). */
void dispatch_set_cfg(dispatch_t *d, const cfg_t *cfg);

/* Stops the sender thread (bounded: see sender_stop), records the
 * outcomes it reported until then, and frees; sets *p to NULL; accepts
 * NULL. What was out with it and has no outcome stays pending. */
void dispatch_destroy(dispatch_t **p);

/* The socket to poll: readable when the sender has an outcome. */
void *dispatch_socket(dispatch_t *d);

/* Records the sender's outcomes (in one transaction), then hands over
 * what is due. */
void dispatch_on_outcome(dispatch_t *d);

/* Hands due notifications to the sender while fewer than
 * DISPATCH_WINDOW are out with it. */
void dispatch_kick(dispatch_t *d);

/* Milliseconds until the next notification not out with the sender is
 * due (0: now), or -1 when none is pending or DISPATCH_WINDOW are out. */
long dispatch_timeout_ms(dispatch_t *d);

/* How many notifications are out with the sender. */
int dispatch_out(const dispatch_t *d);

/* How many hand-overs to the sender were tried since dispatch_new: when
 * it grew, dispatch_socket was used (sent on). */
uint64_t dispatch_handed(const dispatch_t *d);

/* What becomes of a notification after the outcome of one attempt. */
typedef enum {
    DISPATCH_SENT,    /* the server accepted it */
    DISPATCH_FAILED,  /* refused for good: failed, with the reply */
    DISPATCH_GIVE_UP, /* still not sent at the end of its lifetime */
    DISPATCH_RETRY,   /* try again later */
    DISPATCH_REQUEUE  /* not tried: due again now, no attempt counted */
} dispatch_verdict_t;

/* The pause after a temporary failure of attempt attempts (1, 2, ...):
 * m->retry_min_s, doubled for each attempt after the first, at most
 * m->retry_max_s. */
int64_t dispatch_backoff(const cfg_mail_t *m, int attempts);

/* The verdict on outcome r of the attempt after attempts earlier ones
 * of a notification queued at created, at now: sent; a permanent
 * refusal of this message failed; one the session never got to
 * (r->requeue) due again at *retry_at = now, no attempt counted;
 * anything else (a temporary failure, or a refusal every message would
 * get: server, certificate, password) retried at *retry_at (now plus
 * the backoff), unless the notification has been queued for the
 * configured lifetime. */
dispatch_verdict_t dispatch_verdict(const cfg_mail_t *m, const smtp_result_t *r,
                                    int attempts, int64_t created, int64_t now,
                                    int64_t *retry_at);

/* When a notification may go out, seen at now: now, or, for one not
 * urgent, the end of the quiet hours now falls in. */
int64_t dispatch_release_at(const cfg_mail_t *m, bool urgent, int64_t now);

#endif

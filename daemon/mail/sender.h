/*
 * sender — the thread that talks SMTP, so nothing else ever waits for a
 * mail server. The main thread hands it notifications over an inproc://
 * PAIR socket, each a copy with the mail settings (threads share no
 * objects), several at a time, and reads their outcomes back from the
 * same socket, one per notification, as each is known; the outbox table
 * stays the main thread's. The thread carries them in SMTP sessions of
 * many mails (smtp_session): a notification whose settings differ from
 * the session's (after a reload) waits for the next session.
 *
 * Stopping is bounded (sender_stop): the thread takes no new mail, gets
 * SENDER_GRACE_MS to finish the one in hand, then its connection is cut
 * (smtpcut) and, should it still not be back (a connect or a name lookup
 * that hangs), it is cancelled. A mail abandoned so stays pending in the
 * outbox and is sent later with the same Message-ID.
 *
 * Shared between the threads, besides the socket: the stop flag and the
 * cut (its own mutex); nothing else.
 */
#ifndef REGIE_SENDER_H
#define REGIE_SENDER_H

#include "config/cfg.h"
#include "mime.h"
#include "outbox.h"
#include "smtp.h"

#include <stdbool.h>
#include <stdint.h>

#define SENDER_GRACE_MS 2000 /* for the mail in hand at a stop */
#define SENDER_CUT_MS 1000   /* for libesmtp to return once cut */

typedef struct sender sender_t;

/* Binds the main thread's end and starts the thread. Returns the sender
 * or NULL after logging. */
sender_t *sender_new(void *zmq_ctx);

/* Stops the thread within SENDER_GRACE_MS + SENDER_CUT_MS (see above),
 * whatever the SMTP server does; the outcomes it reported before are
 * still read with sender_outcome. Idempotent. */
void sender_stop(sender_t *s);

/* Stops the thread (sender_stop) and frees; sets *p to NULL; accepts
 * NULL. */
void sender_destroy(sender_t **p);

/* The main thread's socket: readable when an outcome is waiting. */
void *sender_socket(sender_t *s);

/* Hands row to the thread with the mail settings, with the row's
 * Message-ID (outbox_message_id) and the date now. Returns 0, or -1
 * after logging (not handed). */
int sender_submit(sender_t *s, const outbox_row_t *row, const cfg_mail_t *m,
                  int64_t now);

/* Reads one outcome, without waiting: the notification's id and the
 * result. Returns 0, or -1 when none is waiting. */
int sender_outcome(sender_t *s, int64_t *id, smtp_result_t *result);

#endif

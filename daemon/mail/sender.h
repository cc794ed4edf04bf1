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
 * At a stop the thread takes no new mail and ends after the one in
 * hand; what was handed and not begun stays pending in the outbox.
 *
 * Shared between the threads, besides the socket: the stop flag.
 */
#ifndef REGIE_SENDER_H
#define REGIE_SENDER_H

#include "config/cfg.h"
#include "mime.h"
#include "outbox.h"
#include "smtp.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct sender sender_t;

/* Binds the main thread's end and starts the thread. Returns the sender
 * or NULL after logging. */
sender_t *sender_new(void *zmq_ctx);

/* Stops the thread after the mail in hand; the outcomes it reported
 * are still read with sender_outcome. Idempotent. */
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

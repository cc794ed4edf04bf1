/*
 * sender — the thread that talks SMTP, so nothing else ever waits for a
 * mail server. The main thread hands it one notification at a time over
 * an inproc:// PAIR socket (a copy: threads share no objects) and reads
 * the outcome back from the same socket; the outbox table stays the main
 * thread's. The thread owns nothing but its socket.
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

/* Stops the thread (after the delivery in hand) and frees; sets *p to
 * NULL; accepts NULL. */
void sender_destroy(sender_t **p);

/* The main thread's socket: readable when an outcome is waiting. */
void *sender_socket(sender_t *s);

/* Whether a notification is out with the thread. */
bool sender_busy(const sender_t *s);

/* Hands row to the thread with the mail settings, with the row's
 * Message-ID (outbox_message_id). Returns 0, or -1 after logging (not handed).
 */
int sender_submit(sender_t *s, const outbox_row_t *row, const cfg_mail_t *m,
                  int64_t now);

/* Reads the outcome of the notification handed: its id and the result.
 * Returns 0, or -1 when none was waiting. */
int sender_outcome(sender_t *s, int64_t *id, smtp_result_t *result);

#endif

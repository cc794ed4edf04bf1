/*
 * outbox — the notification table: every email regied sends is first a
 * row here, inserted in the same transaction as the change that caused
 * it, under a unique key (cause and recipient), so no restart or retry
 * makes a second one. Tracks attempts, the next attempt (quiet hours,
 * backoff), and the outcome. Main thread only (the single writer); the
 * sender thread gets copies of rows through its socket.
 */
#ifndef REGIE_OUTBOX_H
#define REGIE_OUTBOX_H

#include "mime.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A notification to queue. Every pointer is borrowed for the call. */
typedef struct {
    const char *key;     /* unique: cause and recipient */
    const char *to;      /* email address; NULL: none configured */
    const char *to_name; /* display name or NULL */
    const char *subject;
    const char *body;
    const char *html;         /* the HTML alternative of body, or NULL */
    const mime_part_t *parts; /* the n_parts inline parts of html */
    size_t n_parts;
    bool urgent;         /* crisis: not held by quiet hours */
    int64_t case_id;     /* 0 when not about a case */
    int64_t referral_id; /* 0 when not about a referral */
} outbox_note_t;

/* One row as the sender needs it; strings owned, free with
 * outbox_row_clear. message_id is the row's own Message-ID part
 * ("<installation>.<random>"), NULL for a row queued before schema 4.
 * html is the HTML alternative or NULL; parts the JSON text of its inline
 * parts, [{cid, content_type, filename, base64}] (filename may be null,
 * base64 is the bytes in base64 without line breaks), or NULL. */
typedef struct {
    int64_t id;
    char *key, *to, *to_name, *subject, *body, *message_id;
    char *html, *parts;
    bool urgent;
    int attempts;
    int64_t created_at;
} outbox_row_t;

/* Queues n in the caller's write transaction, with a Message-ID part of
 * its own (the installation's id and a random part), its HTML and inline
 * parts stored with it (parts as outbox_row_t says); a key that exists
 * already is left as it is (not an error). A note without address is recorded
 * as failed at once, with the reason, so it shows in the outbox. Returns
 * 0 or -1 (store error, logged). */
int outbox_add(store_t *s, const outbox_note_t *n, int64_t now);

/* The earliest next_attempt_at of a pending row that is not one of the
 * n ids of skip (rows out with the sender), or -1 when none (or on a
 * store error, logged). */
int64_t outbox_next_due(store_t *s, const int64_t *skip, int n);

/* Reads the pending row due first (next_attempt_at <= now, then the
 * lowest id) that is not one of the n ids of skip into row. Returns 1
 * when found, 0 when none is due, -1 on a store error. */
int outbox_take_due(store_t *s, int64_t now, const int64_t *skip, int n,
                    outbox_row_t *row);

/* Frees the strings of a row. */
void outbox_row_clear(outbox_row_t *row);

/* The Message-ID of row, "regie.<part>@<domain of from>" (domain
 * "regie" when from has none), into buf: the same on every attempt of
 * the row. A row without a part of its own (queued before schema 4)
 * gets the one derived from its key, as then. */
void outbox_message_id(const outbox_row_t *row, const char *from, char *buf,
                       size_t len);

/* Holds row id until at (quiet hours), without counting an attempt. */
int outbox_defer(store_t *s, int64_t id, int64_t at);

/* Records the outcome of one attempt: sent; or a failure that is
 * permanent (failed, with reason) or temporary (next attempt at retry_at,
 * or failed when retry_at is past the lifetime). Returns 0 or -1. */
int outbox_sent(store_t *s, int64_t id, int64_t now);
int outbox_failed(store_t *s, int64_t id, int64_t now, const char *reason);
int outbox_retry_later(store_t *s, int64_t id, int64_t now, int64_t retry_at,
                       const char *reason);

/* Rows for regiectl: status NULL for all, or "pending", "sent",
 * "failed"; at most limit rows, newest first. Returns a JSON array of
 * objects {id, key, to, subject, status, attempts, created_at,
 * next_attempt_at, sent_at, last_error, urgent, message_id} (new
 * reference) or NULL. */
json_t *outbox_list(store_t *s, const char *status, int limit);

/* Makes failed row id pending again, due now. Returns 1 when done, 0
 * when there is no failed row with that id, -1 on a store error. */
int outbox_retry(store_t *s, int64_t id, int64_t now);

/* Counts of rows by status, for metrics and regiectl. */
int outbox_counts(store_t *s, int64_t *pending, int64_t *sent, int64_t *failed);

#endif

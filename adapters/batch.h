/*
 * batch — the records of one input file and what became of each. A reader
 * (JSON, CSV, JW315) fills it: a REFERRAL body per record, or the reason
 * it could not make one (the record is refused here), or the reason the
 * file cannot be read at all (the file is refused as a whole and nothing
 * is sent). batch_post sends the bodies in order through an adapter_t;
 * batch_report writes what was refused, one "file:line: error: message"
 * per record, for the .error file beside a refused file. One thread.
 */
#ifndef REGIE_BATCH_H
#define REGIE_BATCH_H

#include "adapter.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct batch batch_t;

typedef enum {
    BATCH_PENDING = 0, /* not acknowledged (yet) */
    BATCH_ACCEPTED,    /* ACK "accepted": stored now */
    BATCH_DUPLICATE,   /* ACK "duplicate": stored before, not again */
    BATCH_REFUSED      /* NACK retry:false, or refused here */
} batch_state_t;

/* One record. Everything in it is owned by the batch. */
typedef struct {
    long line;         /* where the record starts in the file */
    char *external_id; /* the body's external_id, or NULL */
    json_t *body;      /* the REFERRAL body; NULL when refused here */
    batch_state_t state;
    char *error;   /* REFUSED: the error code (as in RRP/1 2.2) */
    char *message; /* REFUSED: why, for people */
    char *field;   /* REFUSED: JSON Pointer of the field, or NULL */
    json_t *reply; /* the daemon's reply body, or NULL */
    bool local;    /* refused here: never sent */
} batch_record_t;

/* Called by batch_post after each record it handled: r is the outcome of
 * the send, or NULL for a record refused here. */
typedef void batch_hook_fn(void *arg, const batch_t *b,
                           const batch_record_t *rec,
                           const adapter_result_t *r);

/* Makes an empty batch for the file called source (copied; used in the
 * report). */
batch_t *batch_new(const char *source);

/* Frees the batch and its records; sets *p to NULL. Accepts NULL and
 * *p == NULL. */
void batch_destroy(batch_t **p);

/* Returns the source name, borrowed until batch_destroy. */
const char *batch_source(const batch_t *self);

/* Adds a record to send: body (an object; the batch takes its own
 * reference) from line. */
void batch_add(batch_t *self, long line, json_t *body);

/* Adds a record refused here: error code (e.g. "invalid_field"), field
 * (a JSON Pointer or NULL), external_id (or NULL) and a message. */
void batch_refuse(batch_t *self, long line, const char *external_id,
                  const char *error, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Refuses the file as a whole (line 0: no line): one more problem for the
 * report. Once called, batch_post sends nothing. */
void batch_fail(batch_t *self, long line, const char *error, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/* Returns whether batch_fail was called. */
bool batch_failed(const batch_t *self);

/* Returns the number of records. */
size_t batch_count(const batch_t *self);

/* Returns record i (< batch_count), borrowed until batch_destroy. */
const batch_record_t *batch_record(const batch_t *self, size_t i);

/* Returns how many records are in state. */
size_t batch_tally(const batch_t *self, batch_state_t state);

/* Sends the records not yet handled, in order, as REFERRAL requests
 * through adapter, calling hook (may be NULL) after each, also after one
 * refused here. Stops at the first temporary failure: that record and the
 * ones after it stay BATCH_PENDING, and a later call goes on there.
 * Returns ADAPTER_TEMPORARY then, otherwise ADAPTER_ACK (every record is
 * accepted, duplicate or refused; also for a failed batch, which sends
 * nothing). */
adapter_status_t batch_post(batch_t *self, adapter_t *adapter,
                            batch_hook_fn *hook, void *arg);

/* Returns the report of a batch with refusals: comment lines ("# ...")
 * naming program and the counts, then one line per problem of a failed
 * batch, or per refused record, "source:line: error: message (field F,
 * external_id X)". NULL when nothing was refused. The caller frees it. */
char *batch_report(const batch_t *self, const char *program);

#endif

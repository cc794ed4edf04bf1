/*
 * decoder — the intake's decoder thread. It owns the intake ROUTER
 * socket and its guard: reads the requests waiting (up to the batch
 * limit), checks each envelope and decodes each request (decode.h), and
 * hands the batch to the writer, the main thread, which stores it
 * (intake_store) and hands it back; then it makes the replies (reply.h)
 * and sends them, in the order the requests came. While the writer
 * stores and commits batch N, the thread reads and decodes batch N+1:
 * at most one batch is with the writer and one is filling (the bounded
 * queue), and the filling one goes to the writer the moment it is free,
 * with whatever came meanwhile (group commit). The two threads share
 * nothing but the messages of an inproc PAIR: a batch, its return, new
 * rules after a reload, a stop; latencies and the guard's counts for
 * the metrics. The functions below are the main thread's.
 */
#ifndef REGIE_DECODER_H
#define REGIE_DECODER_H

#include "decode.h"
#include "guard.h"
#include "intake.h"
#include "mon/metrics.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct decoder decoder_t;

/* Starts the thread with the intake socket (a bound ROUTER of ctx) and
 * its guard, which it takes (sets *intake and *guard to NULL; it closes
 * them when it ends), the rules (taken), and batches of at most
 * batch_cap requests. Latencies and the guard's counts go to metrics
 * (borrowed; used in the main thread only). Returns the decoder, or
 * NULL after logging (the caller keeps what it passed). */
decoder_t *decoder_new(void *ctx, void **intake, guard_t **guard,
                       decode_rules_t **rules, size_t batch_cap,
                       metrics_t *metrics);

/* The socket to poll for ZMQ_POLLIN: the thread has a message. */
void *decoder_socket(decoder_t *d);

/* Reads the thread's waiting messages. Returns a batch for the writer
 * (its n items, borrowed until decoder_done), or NULL when none came:
 * latencies and the guard's counts were put in the metrics, or the
 * thread ended (decoder_ended). */
intake_item_t *decoder_batch(decoder_t *d, size_t *n);

/* Hands the batch of decoder_batch back, every item with its outcome. */
void decoder_done(decoder_t *d);

/* Decodes with rules (taken) from the next request on: after a reload. */
void decoder_set_rules(decoder_t *d, decode_rules_t **rules);

/* Asks the thread to stop reading requests; what it has read still
 * comes as batches, and is answered, before it ends. */
void decoder_stop(decoder_t *d);

/* Whether the thread has ended (after decoder_stop): no batch comes. */
bool decoder_ended(const decoder_t *d);

/* Stops the thread if need be, waits for it, frees; sets *p to NULL;
 * accepts NULL. */
void decoder_destroy(decoder_t **p);

#endif

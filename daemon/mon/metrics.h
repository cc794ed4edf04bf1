/*
 * metrics — regied's metrics file in the Prometheus text exposition
 * format (version 0.0.4), for node_exporter's textfile collector:
 * referrals accepted and refused by partner and error, and a histogram
 * of intake latency (counters kept in memory since regied started), and
 * gauges read from the store when the file is written: open cases, open
 * and overdue agreements by kind and escalation level, notifications
 * pending and failed, the last successful SMTP delivery, the database
 * size. The file is replaced atomically (a temporary file in the same
 * folder, fsync, rename), mode 0644: it holds no personal data, and the
 * collector runs as another user. Main thread only.
 */
#ifndef REGIE_METRICS_H
#define REGIE_METRICS_H

#include "store/store.h"
#include "tally.h"

#include <stdint.h>

typedef struct metrics metrics_t;

/* Empty counters; start is the time regied started (for
 * regie_start_time_seconds). */
metrics_t *metrics_new(int64_t start);

/* Frees; sets *p to NULL; accepts NULL. */
void metrics_destroy(metrics_t **p);

/* Counts one referral of partner (an id; NULL counts as "unknown"):
 * accepted when error is NULL, else refused with that RRP/1 error name
 * ("invalid_bsn", "unavailable", ...). A duplicate that was ACKed again
 * is not a new referral: do not count it. Strings are copied. */
void metrics_referral(metrics_t *m, const char *partner, const char *error);

/* Counts the refused connections of zap's tally (borrowed, NULL for
 * none; kept until replaced) in regie_connections_refused_total by
 * reason. */
void metrics_refusals(metrics_t *m, const tally_t *zap);

/* The same for the guard's, which lives in the decoder thread: its
 * totals as that thread last reported them (copied). */
void metrics_guard_refusals(metrics_t *m, const tally_totals_t *guard);

/* Adds one intake latency observation, in seconds (from the request read
 * to its reply ready to send: stored and committed, or refused). */
void metrics_latency(metrics_t *m, double seconds);

/* The whole exposition text as of now (a new string for the caller), or
 * NULL when the store could not be read (logged). */
char *metrics_render(metrics_t *m, store_t *s, int64_t now);

/* Renders and replaces the file at path atomically. Returns 0, or -1
 * (logged once until it works again; the old file stays). */
int metrics_write(metrics_t *m, store_t *s, const char *path, int64_t now);

#endif

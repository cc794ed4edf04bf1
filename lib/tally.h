/*
 * tally — logging of events that an attacker can repeat at will (refused
 * connections): the first of each reason in an interval is logged as it
 * happens; the rest are counted, and at the end of the interval one line
 * sums them up by reason with the number of distinct sources and the
 * busiest ones. So a flood costs a few lines a minute, not one per try.
 * Counters since start per reason, for the metrics. One thread.
 */
#ifndef REGIE_TALLY_H
#define REGIE_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_REASONS 8  /* distinct reasons kept */
#define TALLY_SOURCES 64 /* distinct sources kept per interval */

typedef struct tally tally_t;

/* A tally whose lines read "<module>: refused ..." at warning level,
 * summed every interval_ms. module is copied. */
tally_t *tally_new(const char *module, int64_t interval_ms);

/* Frees; sets *p to NULL; accepts NULL. */
void tally_destroy(tally_t **p);

/* One event of reason (a short word) from source (an address; NULL:
 * unknown), with detail (key=value text, or NULL) for the line that is
 * logged when it is the first of its reason in the interval. now_ms is
 * a monotonic time. Strings are copied. */
void tally_add(tally_t *t, const char *reason, const char *source,
               const char *detail, int64_t now_ms);

/* Writes the summary line when the interval is over and events were
 * counted since the last line. Returns the milliseconds until it must be
 * called again, or -1 when nothing waits. */
int64_t tally_flush(tally_t *t, int64_t now_ms);

/* Events of reason since start (all of them, logged or summed). */
int64_t tally_total(const tally_t *t, const char *reason);

/* The i-th reason seen since start (NULL past the last), for the
 * metrics; borrowed for the life of t. */
const char *tally_reason(const tally_t *t, size_t i);

/* The totals since start by reason, as a copy: what the metrics of
 * another thread need. */
typedef struct {
    size_t n;                      /* reasons */
    char reason[TALLY_REASONS][32]; /* each as tally_reason */
    int64_t total[TALLY_REASONS];   /* each as tally_total */
} tally_totals_t;

/* Copies the totals of t into out. */
void tally_totals(const tally_t *t, tally_totals_t *out);

#endif

/*
 * scheduler — the scheduler of agreements: regied sleeps until the earliest
 * next_at of an open agreement (an indexed query, not a scan), then for
 * each agreement due records missed occurrences of recurring ones, sends
 * the latest step of the ladder that fell due (once: its notification
 * key is unique), and has agree record the step and when to look again
 * (agree is the only writer of an agreement's state). Main thread only.
 */
#ifndef REGIE_SCHEDULER_H
#define REGIE_SCHEDULER_H

#include "config/cfg.h"
#include "mail/notify.h"
#include "store/store.h"

#include <stdint.h>

/* The earliest next_at of an open agreement, or -1 when none. */
int64_t scheduler_next_at(store_t *s);

/* Handles at most batch agreements due at now, in one transaction (call
 * again while more is due). Returns the number handled, or -1 on a store
 * error (nothing of this batch was committed). */
int scheduler_run(store_t *s, const cfg_t *cfg, notify_t *n, int64_t now,
              int batch);

#endif

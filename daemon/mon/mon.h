/*
 * mon — monitoring's part of the event loop: one object the server asks
 * for its next deadline and calls when it is due. It runs the daily
 * purge at purge_at (local time), queues the weekly digest at the digest
 * day and time, rewrites the metrics file every metrics_interval_s, and
 * records a finished backup in the audit trail. It owns the metrics
 * counters (the intake feeds them, see metrics.h) and the backup maker
 * (the control commands start it, see backup.h). Times are the daemon's
 * (clock.h), in seconds. Main thread only.
 */
#ifndef REGIE_MON_H
#define REGIE_MON_H

#include "store/backup.h"
#include "config/cfg.h"
#include "metrics.h"
#include "store/store.h"

#include <stdint.h>

typedef struct mon mon_t;

/* A monitor for store under cfg (both borrowed; cfg is swapped with
 * mon_set_cfg). Loads the digest template (mail on): NULL after writing
 * "path:line: message" to stderr when it does not load. The first
 * metrics file is due at once; a digest whose time passed earlier in the
 * current ISO week while regied was down is due at once too, when regied
 * has queued digests before (the outbox key keeps it to one a week, so a
 * restart after it went does not repeat it). */
mon_t *mon_new(const cfg_t *cfg, store_t *store);

/* Uses cfg from now on (after a reload): reloads the digest template
 * (on an error the digest is off until the next reload; check with
 * digest_new before swapping) and plans every task again from the
 * daemon's now; a task that fell due already stays due. Call it after
 * the test clock was set too (a clock set back replans; one moved
 * forward runs what it passed, once). */
void mon_set_cfg(mon_t *m, const cfg_t *cfg);

/* The earliest time at which mon_run_due has work, in seconds since the
 * epoch (<= now: at once); -1 when it has none. */
int64_t mon_next_at(mon_t *m, int64_t now);

/* Runs what is due at now and plans the next time of each. A task that
 * failed (logged) is tried again a minute later. */
void mon_run_due(mon_t *m, int64_t now);

/* The metrics counters, for the intake; borrowed for the life of m. */
metrics_t *mon_metrics(mon_t *m);

/* The backup maker, for the control commands; borrowed likewise. */
backup_t *mon_backup(mon_t *m);

/* Waits for a running backup, frees; sets *p to NULL; accepts NULL. */
void mon_destroy(mon_t **p);

#endif

/*
 * clock — the daemon's notion of now. Normally the system's real time; a
 * daemon started for tests may have it set or advanced, so that weeks of
 * reminders run in seconds. Set from the main thread; read from any.
 */
#ifndef REGIE_CLOCK_H
#define REGIE_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch (UTC), as the daemon sees them. */
int64_t clock_now(void);

/* Milliseconds since the epoch, as the daemon sees them. */
int64_t clock_now_ms(void);

/* Milliseconds of the system's monotonic clock, never set by tests: for
 * pauses and timeouts that are about real time passing. */
int64_t clock_mono_ms(void);

/* Makes now equal t (seconds since the epoch) from here on, ticking on
 * with real time. For tests only. */
void clock_set(int64_t t);

/* Moves now forward by seconds. For tests only. */
void clock_advance(int64_t seconds);

/* Whether tests may set the clock (regied --test-clock); default no. */
void clock_allow_setting(int yes);
int clock_setting_allowed(void);

#endif

/*
 * clock — real time plus an offset that only tests change. The offset is
 * atomic: the main thread sets it (regiectl clock), the intake's decoder
 * thread reads it.
 */
#include "clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t s_offset_ms; /* added to real time; 0 unless a test
                                     * set it */
static int s_allowed;               /* regied --test-clock */

static int64_t s_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
    return s_real_ms() +
           atomic_load_explicit(&s_offset_ms, memory_order_relaxed);
}

int64_t clock_now(void)
{
    return clock_now_ms() / 1000;
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_set(int64_t t)
{
    atomic_store_explicit(&s_offset_ms, t * 1000 - s_real_ms(),
                          memory_order_relaxed);
}

void clock_advance(int64_t seconds)
{
    atomic_fetch_add_explicit(&s_offset_ms, seconds * 1000,
                              memory_order_relaxed);
}

void clock_allow_setting(int yes)
{
    s_allowed = yes;
}

int clock_setting_allowed(void)
{
    return s_allowed;
}

/*
 * clock — real time plus an offset that only tests change.
 */
#include "clock.h"

#include <time.h>

static int64_t s_offset_ms; /* added to real time; 0 unless a test set it */
static int s_allowed;       /* regied --test-clock */

static int64_t s_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
    return s_real_ms() + s_offset_ms;
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
    s_offset_ms = t * 1000 - s_real_ms();
}

void clock_advance(int64_t seconds)
{
    s_offset_ms += seconds * 1000;
}

void clock_allow_setting(int yes)
{
    s_allowed = yes;
}

int clock_setting_allowed(void)
{
    return s_allowed;
}

/*
 * Unit tests of the pure helpers of stats (ISO weeks, percentiles) and
 * of digest_next_at, in Europe/Amsterdam.
 */
#include "mon/digest.h"
#include "mon/stats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* Local time y-m-d h:mi as seconds. */
static int64_t local(int y, int m, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

static void week(int64_t t, const char *want)
{
    char buf[STATS_WEEK_MAX];
    assert_string_equal(stats_iso_week(t, buf, sizeof buf), want);
}

static void test_iso_weeks(void **state)
{
    week(local(2026, 11, 22, 12, 0), "2026-W47");
    week(local(2027, 1, 1, 12, 0), "2026-W53");  /* a Friday */
    week(local(2024, 12, 30, 0, 30), "2025-W01"); /* a Monday */
    week(local(2026, 1, 4, 23, 59), "2026-W01");  /* a Sunday */
    week(local(2026, 1, 5, 0, 0), "2026-W02");
}

static void test_week_start_is_local_monday_midnight(void **state)
{
    assert_int_equal(stats_week_start(local(2026, 11, 22, 12, 0)),
                     local(2026, 11, 16, 0, 0));
    assert_int_equal(stats_week_start(local(2026, 11, 16, 0, 0)),
                     local(2026, 11, 16, 0, 0));
    /* The week in which summer time ends (25 October 2026). */
    assert_int_equal(stats_week_start(local(2026, 10, 25, 12, 0)),
                     local(2026, 10, 19, 0, 0));
}

static void test_percentiles(void **state)
{
    double one[] = {7};
    double odd[] = {5, 10, 30};
    double even[] = {1, 2, 3, 4};
    assert_true(stats_percentile(one, 1, 50) == 7);
    assert_true(stats_percentile(one, 1, 90) == 7);
    assert_true(stats_percentile(odd, 3, 50) == 10);
    assert_true(stats_percentile(odd, 3, 90) == 26); /* 10 + 0.8 * 20 */
    assert_true(stats_percentile(even, 4, 50) == 2.5);
    assert_true(stats_percentile(even, 4, 0) == 1);
    assert_true(stats_percentile(even, 4, 100) == 4);
}

static void test_digest_next_at(void **state)
{
    cfg_t cfg = {.digest_weekday = 1, .digest_minute = 8 * 60};
    /* Sunday noon: the next day at 08:00. */
    assert_int_equal(digest_next_at(&cfg, local(2026, 11, 22, 12, 0)),
                     local(2026, 11, 23, 8, 0));
    /* Monday 08:00 exactly: a week later. */
    assert_int_equal(digest_next_at(&cfg, local(2026, 11, 23, 8, 0)),
                     local(2026, 11, 30, 8, 0));
    /* Across the end of summer time: still 08:00 local. */
    assert_int_equal(digest_next_at(&cfg, local(2026, 10, 23, 9, 0)),
                     local(2026, 10, 26, 8, 0));
    cfg.digest_weekday = -1;
    assert_int_equal(digest_next_at(&cfg, local(2026, 11, 22, 12, 0)), -1);
}

static void test_digest_key(void **state)
{
    char key[DIGEST_KEY_MAX];
    assert_string_equal(digest_key(local(2027, 1, 1, 9, 0), key, sizeof key),
                        "digest/2026-W53");
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_weeks),
        cmocka_unit_test(test_week_start_is_local_monday_midnight),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_digest_next_at),
        cmocka_unit_test(test_digest_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

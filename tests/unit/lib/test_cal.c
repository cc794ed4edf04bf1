/*
 * Unit tests of cal in Europe/Amsterdam: quiet hours and when they end,
 * local days and working days across the daylight-saving changes
 * (2026-10-25 and 2027-03-28), parsing of times (and what is refused),
 * ISO weeks and dates as periods, and the Dutch and RFC 3339 renderings.
 * The expected times are written out as seconds since the epoch
 * (checked with date(1)), not computed with the functions under test.
 */
#include "cal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#define HOUR 3600
#define DAY 86400
#define QUIET_START (20 * 60) /* DESIGN's default quiet hours */
#define QUIET_END (7 * 60)

/* Local times (CEST +02:00 until 2026-10-25 03:00 and from 2027-03-28
 * 02:00; CET +01:00 in between). */
#define WED_01_JUL_0900 1782889200 /* 2026-07-01 09:00 +02:00 */
#define MON_19_OCT_0000 1792360800 /* 2026-10-19 00:00 +02:00 */
#define TUE_20_OCT_0900 1792479600 /* 2026-10-20 09:00 +02:00 */
#define WED_21_OCT_0900 1792566000 /* 2026-10-21 09:00 +02:00 */
#define FRI_23_OCT_0900 1792738800 /* 2026-10-23 09:00 +02:00 */
#define SAT_24_OCT_0900 1792825200 /* 2026-10-24 09:00 +02:00 */
#define SAT_24_OCT_2200 1792872000 /* 2026-10-24 22:00 +02:00 */
#define SUN_25_OCT_0000 1792879200 /* 2026-10-25 00:00 +02:00 */
#define SUN_25_OCT_0300 1792893600 /* 2026-10-25 03:00 +01:00 */
#define SUN_25_OCT_0700 1792908000 /* 2026-10-25 07:00 +01:00 */
#define SUN_25_OCT_0900 1792915200 /* 2026-10-25 09:00 +01:00 */
#define MON_26_OCT_0000 1792969200 /* 2026-10-26 00:00 +01:00 */
#define MON_26_OCT_0900 1793001600 /* 2026-10-26 09:00 +01:00 */
#define WED_28_OCT_0900 1793174400 /* 2026-10-28 09:00 +01:00 */
#define MON_02_NOV_0900 1793606400 /* 2026-11-02 09:00 +01:00 */
#define TUE_10_NOV_0900 1794297600 /* 2026-11-10 09:00 +01:00 */
#define MON_16_NOV_0000 1794783600 /* 2026-11-16 00:00 +01:00 */
#define MON_23_NOV_0000 1795388400 /* 2026-11-23 00:00 +01:00 */
#define TUE_01_DEC_0900 1796112000 /* 2026-12-01 09:00 +01:00 */
#define MON_28_DEC_0000 1798412400 /* 2026-12-28 00:00 +01:00 */
#define FRI_01_JAN_1200 1798801200 /* 2027-01-01 12:00 +01:00 */
#define MON_04_JAN_0000 1799017200 /* 2027-01-04 00:00 +01:00 */
#define FRI_26_MAR_0900 1806048000 /* 2027-03-26 09:00 +01:00 */
#define SAT_27_MAR_2200 1806181200 /* 2027-03-27 22:00 +01:00 */
#define SUN_28_MAR_0000 1806188400 /* 2027-03-28 00:00 +01:00 */
#define SUN_28_MAR_0700 1806210000 /* 2027-03-28 07:00 +02:00 */
#define MON_29_MAR_0000 1806271200 /* 2027-03-29 00:00 +02:00 */
#define MON_29_MAR_0900 1806303600 /* 2027-03-29 09:00 +02:00 */
#define MON_27_DEC_0000 1829862000 /* 2027-12-27 00:00 +01:00 */
#define MON_03_JAN_0000 1830466800 /* 2028-01-03 00:00 +01:00 */

/* ------------------------------------------------------- quiet hours */

static void test_quiet_hours_span_midnight(void **state)
{
    int s = QUIET_START, e = QUIET_END;
    assert_true(cal_in_quiet(SAT_24_OCT_2200 - 2 * HOUR, s, e)); /* 20:00 */
    assert_true(cal_in_quiet(SAT_24_OCT_2200, s, e));
    assert_true(cal_in_quiet(SUN_25_OCT_0000, s, e));
    assert_true(cal_in_quiet(SUN_25_OCT_0700 - 60, s, e)); /* 06:59 */
    assert_false(cal_in_quiet(SUN_25_OCT_0700, s, e));
    assert_false(cal_in_quiet(SAT_24_OCT_2200 - 2 * HOUR - 60, s, e));
    assert_false(cal_in_quiet(TUE_01_DEC_0900, s, e));
}

static void test_quiet_hours_within_a_day(void **state)
{
    int s = 12 * 60, e = 13 * 60;
    assert_true(cal_in_quiet(TUE_01_DEC_0900 + 3 * HOUR, s, e));
    assert_true(cal_in_quiet(TUE_01_DEC_0900 + 4 * HOUR - 1, s, e));
    assert_false(cal_in_quiet(TUE_01_DEC_0900 + 4 * HOUR, s, e));
    assert_false(cal_in_quiet(TUE_01_DEC_0900 + 3 * HOUR - 1, s, e));
    assert_false(cal_in_quiet(TUE_01_DEC_0900 + 13 * HOUR, s, e));
}

static void test_equal_start_and_end_means_no_quiet_hours(void **state)
{
    assert_false(cal_in_quiet(SAT_24_OCT_2200, 0, 0));
    assert_false(cal_in_quiet(SAT_24_OCT_2200, QUIET_START, QUIET_START));
    assert_int_equal(cal_quiet_end(SAT_24_OCT_2200, QUIET_START, QUIET_START),
                     SAT_24_OCT_2200);
}

static void test_quiet_hours_delay_until_they_end(void **state)
{
    int s = QUIET_START, e = QUIET_END;
    /* In the evening: the end is the next morning, on the minute; the
     * night the clocks go back is 10 hours long. */
    assert_int_equal(cal_quiet_end(SAT_24_OCT_2200, s, e), SUN_25_OCT_0700);
    assert_int_equal(cal_quiet_end(SAT_24_OCT_2200 + 37, s, e),
                     SUN_25_OCT_0700);
    assert_int_equal(SUN_25_OCT_0700 - SAT_24_OCT_2200, 10 * HOUR);
    /* After midnight: the end is that morning. */
    assert_int_equal(cal_quiet_end(SUN_25_OCT_0300, s, e), SUN_25_OCT_0700);
    /* The night the clocks go forward is 8 hours long. */
    assert_int_equal(cal_quiet_end(SAT_27_MAR_2200, s, e), SUN_28_MAR_0700);
    assert_int_equal(SUN_28_MAR_0700 - SAT_27_MAR_2200, 8 * HOUR);
}

static void test_outside_quiet_hours_nothing_waits(void **state)
{
    assert_int_equal(cal_quiet_end(TUE_01_DEC_0900, QUIET_START, QUIET_END),
                     TUE_01_DEC_0900);
    assert_int_equal(cal_quiet_end(SUN_25_OCT_0700, QUIET_START, QUIET_END),
                     SUN_25_OCT_0700);
}

static void test_quiet_hours_within_a_day_end_the_same_day(void **state)
{
    assert_int_equal(cal_quiet_end(TUE_01_DEC_0900, 8 * 60, 10 * 60),
                     TUE_01_DEC_0900 + HOUR);
}

/* -------------------------------------------------------------- days */

static void test_add_days_keeps_local_time_across_dst(void **state)
{
    assert_int_equal(cal_add_days(TUE_20_OCT_0900, 21), TUE_10_NOV_0900);
    assert_int_equal(cal_add_days(TUE_10_NOV_0900, -21), TUE_20_OCT_0900);
    /* The day the clocks go back has 25 hours, in spring 23. */
    assert_int_equal(cal_add_days(SAT_24_OCT_0900, 1), SUN_25_OCT_0900);
    assert_int_equal(SUN_25_OCT_0900 - SAT_24_OCT_0900, 25 * HOUR);
    assert_int_equal(cal_add_days(FRI_26_MAR_0900, 3), MON_29_MAR_0900);
    assert_int_equal(cal_add_days(TUE_01_DEC_0900, 0), TUE_01_DEC_0900);
}

static void test_working_days_skip_weekend(void **state)
{
    assert_int_equal(cal_add_working_days(FRI_23_OCT_0900, 1), MON_26_OCT_0900);
    assert_int_equal(cal_add_working_days(MON_26_OCT_0900, -1),
                     FRI_23_OCT_0900);
    assert_int_equal(cal_add_working_days(WED_21_OCT_0900, 5), WED_28_OCT_0900);
    assert_int_equal(cal_add_working_days(MON_26_OCT_0900, -3),
                     WED_21_OCT_0900);
}

static void test_working_days_from_a_weekend_day(void **state)
{
    assert_int_equal(cal_add_working_days(SAT_24_OCT_0900, 1), MON_26_OCT_0900);
    assert_int_equal(cal_add_working_days(SUN_25_OCT_0900, -1),
                     FRI_23_OCT_0900);
    assert_int_equal(cal_add_working_days(SAT_24_OCT_0900, 0), SAT_24_OCT_0900);
}

/* ----------------------------------------------------------- parsing */

static void test_parse_rfc3339_with_its_offset(void **state)
{
    int64_t t = 0;
    assert_int_equal(cal_parse("2026-12-01T09:00:00+01:00", &t), 0);
    assert_int_equal(t, TUE_01_DEC_0900);
    assert_int_equal(cal_parse("2026-12-01T08:00:00Z", &t), 0);
    assert_int_equal(t, TUE_01_DEC_0900);
    assert_int_equal(cal_parse("2026-12-01T03:00:00-05:00", &t), 0);
    assert_int_equal(t, TUE_01_DEC_0900);
    assert_int_equal(cal_parse("2026-07-01T09:00:00+02:00", &t), 0);
    assert_int_equal(t, WED_01_JUL_0900);
}

static void test_parse_local_time_in_the_zone(void **state)
{
    int64_t t = 0;
    assert_int_equal(cal_parse("2026-12-01 09:00", &t), 0);
    assert_int_equal(t, TUE_01_DEC_0900);
    assert_int_equal(cal_parse("2026-07-01 09:00", &t), 0);
    assert_int_equal(t, WED_01_JUL_0900);
}

static void test_parse_rejects_what_is_neither(void **state)
{
    static const char *const bad[] = {
        "",
        "tomorrow",
        "2026-12-01",
        "2026-12-01 09",
        "2026-12-01 09:00 extra",
        "2026-12-01T09:00:00",
        "2026-12-01T09:00:00+0100",
        "2026-12-01T09:00:00 +01:00",
        "2026-12-01T09:00:00CET",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t = 42;
        if (cal_parse(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    int64_t t = 42;
    assert_int_equal(cal_parse(NULL, &t), -1);
    assert_int_equal(t, 42);
}

static void test_parse_rejects_local_times_out_of_range(void **state)
{
    static const char *const bad[] = {
        "2026-00-01 09:00", "2026-13-01 09:00", "2026-12-00 09:00",
        "2026-12-32 09:00", "2026-12-01 24:00", "2026-12-01 09:60",
        "2026-02-30 09:00", "2026-04-31 09:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t;
        if (cal_parse(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    int64_t t = 0;
    assert_int_equal(cal_parse("2028-02-29 09:00", &t), 0); /* leap year */
}

static void test_parse_rejects_rfc3339_out_of_range(void **state)
{
    static const char *const bad[] = {
        "2026-13-01T09:00:00+01:00",  "2026-12-32T09:00:00+01:00",
        "2026-02-29T09:00:00+01:00",  "2026-12-01T24:00:00+01:00",
        "2026-12-01T09:60:00+01:00",  "2026-12-01T09:00:61+01:00",
        "2026-12-01T09:00:00+24:00",  "2026-12-01T09:00:00+01:60",
        "2026-12-01T09:00:00+01:00x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t;
        if (cal_parse(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

/* ----------------------------------------------------------- periods */

static void test_week_number_of_first_january_2027(void **state)
{
    /* 1 January 2027 is a Friday: it is in week 53 of 2026 (Monday 28
     * December to Monday 4 January), not in week 1 of 2027. */
    int64_t from = 0, to = 0;
    assert_int_equal(cal_period("2026-W53", &from, &to), 0);
    assert_int_equal(from, MON_28_DEC_0000);
    assert_int_equal(to, MON_04_JAN_0000);
    assert_true(from <= FRI_01_JAN_1200 && FRI_01_JAN_1200 < to);
    assert_int_equal(cal_period("2027-W01", &from, &to), 0);
    assert_int_equal(from, MON_04_JAN_0000);
    assert_true(FRI_01_JAN_1200 < from);
}

static void test_iso_week_runs_monday_to_monday(void **state)
{
    int64_t from = 0, to = 0;
    assert_int_equal(cal_period("2026-W47", &from, &to), 0);
    assert_int_equal(from, MON_16_NOV_0000);
    assert_int_equal(to, MON_23_NOV_0000);
}

static void test_iso_week_across_dst_is_seven_local_days(void **state)
{
    int64_t from = 0, to = 0;
    assert_int_equal(cal_period("2026-W43", &from, &to), 0);
    assert_int_equal(from, MON_19_OCT_0000);
    assert_int_equal(to, MON_26_OCT_0000);
    assert_int_equal(to - from, 7 * DAY + HOUR);
}

static void test_date_is_one_local_day(void **state)
{
    int64_t from = 0, to = 0;
    assert_int_equal(cal_period("2026-10-25", &from, &to), 0);
    assert_int_equal(from, SUN_25_OCT_0000);
    assert_int_equal(to, MON_26_OCT_0000);
    assert_int_equal(to - from, 25 * HOUR);
    assert_int_equal(cal_period("2027-03-28", &from, &to), 0);
    assert_int_equal(from, SUN_28_MAR_0000);
    assert_int_equal(to, MON_29_MAR_0000);
    assert_int_equal(to - from, 23 * HOUR);
}

static void test_period_rejects_weeks_and_dates_that_do_not_exist(void **state)
{
    static const char *const bad[] = {
        "",           "W47",        "2026",       "2026-W00",
        "2026-W54",   "2026-W47x",  "2027-W53",   "2026-11",
        "2026-13-01", "2026-11-31", "2026-02-29", "2026-11-20 09:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t from = 1, to = 2;
        if (cal_period(bad[i], &from, &to) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    /* 2027 has 52 weeks: its last one ends where 2028's first begins. */
    int64_t from = 0, to = 0;
    assert_int_equal(cal_period("2027-W52", &from, &to), 0);
    assert_int_equal(from, MON_27_DEC_0000);
    assert_int_equal(to, MON_03_JAN_0000);
    assert_int_equal(cal_period("2028-W01", &from, &to), 0);
    assert_int_equal(from, MON_03_JAN_0000);
}

/* --------------------------------------------------------- rendering */

static void test_dutch_date(void **state)
{
    char buf[32];
    assert_string_equal(cal_date_nl(MON_02_NOV_0900, buf, sizeof buf),
                        "2 november 2026");
    assert_string_equal(cal_date_nl(FRI_01_JAN_1200, buf, sizeof buf),
                        "1 januari 2027");
    /* Local midnight is 22:00 on 24 October in UTC: the local date. */
    assert_string_equal(cal_date_nl(SUN_25_OCT_0000, buf, sizeof buf),
                        "25 oktober 2026");
}

static void test_local_rfc3339_carries_the_offset(void **state)
{
    char buf[40];
    assert_string_equal(cal_local_rfc3339(TUE_01_DEC_0900, buf, sizeof buf),
                        "2026-12-01T09:00:00+01:00");
    assert_string_equal(cal_local_rfc3339(WED_01_JUL_0900, buf, sizeof buf),
                        "2026-07-01T09:00:00+02:00");
    int64_t t = 0;
    assert_int_equal(cal_parse(buf, &t), 0);
    assert_int_equal(t, WED_01_JUL_0900);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiet_hours_span_midnight),
        cmocka_unit_test(test_quiet_hours_within_a_day),
        cmocka_unit_test(test_equal_start_and_end_means_no_quiet_hours),
        cmocka_unit_test(test_quiet_hours_delay_until_they_end),
        cmocka_unit_test(test_outside_quiet_hours_nothing_waits),
        cmocka_unit_test(test_quiet_hours_within_a_day_end_the_same_day),
        cmocka_unit_test(test_add_days_keeps_local_time_across_dst),
        cmocka_unit_test(test_working_days_skip_weekend),
        cmocka_unit_test(test_working_days_from_a_weekend_day),
        cmocka_unit_test(test_parse_rfc3339_with_its_offset),
        cmocka_unit_test(test_parse_local_time_in_the_zone),
        cmocka_unit_test(test_parse_rejects_what_is_neither),
        cmocka_unit_test(test_parse_rejects_local_times_out_of_range),
        cmocka_unit_test(test_parse_rejects_rfc3339_out_of_range),
        cmocka_unit_test(test_week_number_of_first_january_2027),
        cmocka_unit_test(test_iso_week_runs_monday_to_monday),
        cmocka_unit_test(test_iso_week_across_dst_is_seven_local_days),
        cmocka_unit_test(test_date_is_one_local_day),
        cmocka_unit_test(test_period_rejects_weeks_and_dates_that_do_not_exist),
        cmocka_unit_test(test_dutch_date),
        cmocka_unit_test(test_local_rfc3339_carries_the_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

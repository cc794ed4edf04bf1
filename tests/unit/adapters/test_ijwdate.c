/*
 * test_ijwdate — dates of iStandaarden messages: which texts are dates,
 * and midnight in Europe/Amsterdam with the offset of the day (the days
 * around the summer-time changes, leap days).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ijwdate.h"

static void s_assert_midnight(const char *day, const char *want)
{
    char *got = ijwdate_midnight(day);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_midnight_amsterdam_offset(void **state)
{
    s_assert_midnight("2026-11-20", "2026-11-20T00:00:00+01:00");
    s_assert_midnight("2026-03-29", "2026-03-29T00:00:00+01:00");
    s_assert_midnight("2026-03-30", "2026-03-30T00:00:00+02:00");
    s_assert_midnight("2026-10-25", "2026-10-25T00:00:00+02:00");
    s_assert_midnight("2026-10-26", "2026-10-26T00:00:00+01:00");
    s_assert_midnight("2024-02-29", "2024-02-29T00:00:00+01:00");
    s_assert_midnight("2027-03-28", "2027-03-28T00:00:00+01:00");
    s_assert_midnight("2027-03-29", "2027-03-29T00:00:00+02:00");
    s_assert_midnight("2026-07-01", "2026-07-01T00:00:00+02:00");
}

static void test_calendar_dates(void **state)
{
    assert_true(ijwdate_valid("2014-03-02"));
    assert_true(ijwdate_valid("2024-02-29"));
    assert_true(ijwdate_valid("2000-02-29"));
    assert_true(ijwdate_valid("0001-01-01"));
    assert_true(ijwdate_valid("2026-12-31"));
}

static void test_not_dates(void **state)
{
    const char *bad[] = {
        "2014-02-30",  "2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01",
        "2026-00-10",  "2026-01-00", "0000-01-01", "20-11-2026", "2026-1-20",
        "2026-01-200", "2026/01/20", "2026-0a-20", "+026-01-20", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(ijwdate_valid(bad[i]));
        assert_null(ijwdate_midnight(bad[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_midnight_amsterdam_offset),
        cmocka_unit_test(test_calendar_dates),
        cmocka_unit_test(test_not_dates),
    };
    return cmocka_run_group_tests_name("ijwdate", tests, NULL, NULL);
}

/*
 * Unit tests of csvval: dates and timestamps by format (and the ones that
 * are refused), the Europe/Amsterdam offset around the summer-time
 * changes, BSNs as spreadsheets write them, Windows-1252, UTF-8 checks.
 */
#include "csvval.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_format_check(void **state)
{
    char err[256];
    assert_int_equal(csvval_format_check("%d-%m-%Y", false, err, 256), 0);
    assert_int_equal(csvval_format_check("%d-%m-%Y %H:%M", true, err, 256), 0);
    assert_int_equal(csvval_format_check("rfc3339", true, err, 256), 0);
    assert_int_equal(csvval_format_check("%d-%m-%y", false, err, 256), -1);
    assert_string_equal(err, "format '%d-%m-%y': unknown token %y (use %d "
                             "%m %Y)");
    assert_int_equal(csvval_format_check("%d-%m", false, err, 256), -1);
    assert_string_equal(err, "format '%d-%m' must hold %d, %m and %Y");
    assert_int_equal(csvval_format_check("%d-%m-%Y %H", false, err, 256), -1);
    assert_string_equal(err, "format '%d-%m-%Y %H': a date has no %H");
    assert_int_equal(csvval_format_check("%d%d-%m-%Y", false, err, 256), -1);
    assert_int_equal(csvval_format_check("rfc3339", false, err, 256), -1);
}

static void test_dates(void **state)
{
    char out[CSVVAL_DATE_LEN + 1];
    assert_int_equal(csvval_date("02-03-2014", "%d-%m-%Y", out), 0);
    assert_string_equal(out, "2014-03-02");
    assert_int_equal(csvval_date("2-3-2014", "%d-%m-%Y", out), 0);
    assert_string_equal(out, "2014-03-02");
    assert_int_equal(csvval_date("2014-03-02", "%Y-%m-%d", out), 0);
    assert_int_equal(csvval_date("29/02/2024", "%d/%m/%Y", out), 0);
    assert_string_equal(out, "2024-02-29");
}

static void test_bad_dates(void **state)
{
    char out[CSVVAL_DATE_LEN + 1];
    const char *bad[] = {
        "31-02-2014",  "29-02-2023", "00-01-2014", "01-13-2014", "1-1-14",
        "01-01-2014 ", "01.01.2014", "",           "aa-bb-cccc", "001-01-2014"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(csvval_date(bad[i], "%d-%m-%Y", out), -1);
}

static void test_datetimes_and_summer_time(void **state)
{
    char out[CSVVAL_DATETIME_MAX + 1];
    const char *f = "%d-%m-%Y %H:%M";
    assert_int_equal(csvval_datetime("18-11-2026 09:42", f, out), 0);
    assert_string_equal(out, "2026-11-18T09:42:00+01:00");
    assert_int_equal(csvval_datetime("01-07-2026 23:59", f, out), 0);
    assert_string_equal(out, "2026-07-01T23:59:00+02:00");
    /* 2026: summer time from Sunday 29 March to Sunday 25 October. */
    assert_int_equal(csvval_datetime("29-03-2026 01:59", f, out), 0);
    assert_string_equal(out + 19, "+01:00");
    assert_int_equal(csvval_datetime("29-03-2026 03:00", f, out), 0);
    assert_string_equal(out + 19, "+02:00");
    assert_int_equal(csvval_datetime("25-10-2026 01:30", f, out), 0);
    assert_string_equal(out + 19, "+02:00");
    assert_int_equal(csvval_datetime("25-10-2026 03:00", f, out), 0);
    assert_string_equal(out + 19, "+01:00");
    /* A date only: midnight. */
    assert_int_equal(csvval_datetime("2026-08-01", "%Y-%m-%d", out), 0);
    assert_string_equal(out, "2026-08-01T00:00:00+02:00");
    assert_int_equal(csvval_datetime("18-11-2026 24:00", f, out), -1);
    assert_int_equal(csvval_datetime("18-11-2026", f, out), -1);
    assert_int_equal(
        csvval_datetime("2026-11-20T10:15:00+01:00", "rfc3339", out), 0);
    assert_string_equal(out, "2026-11-20T10:15:00+01:00");
}

static void test_bsn(void **state)
{
    char out[10];
    assert_int_equal(csvval_bsn("999910012", out), 0);
    assert_string_equal(out, "999910012");
    assert_int_equal(csvval_bsn("9999.10.012", out), 0);
    assert_string_equal(out, "999910012");
    assert_int_equal(csvval_bsn("12345672", out), 0); /* a lost zero */
    assert_string_equal(out, "012345672");
    assert_int_equal(csvval_bsn("1234567890", out), -1);
    assert_int_equal(csvval_bsn("99991001x", out), -1);
    assert_int_equal(csvval_bsn(".999910012", out), -1);
    assert_int_equal(csvval_bsn("999910012.", out), -1);
    assert_int_equal(csvval_bsn("", out), -1);
}

static void test_cp1252(void **state)
{
    size_t len;
    char *s = csvval_from_cp1252("Cli\xEBnt \x80 \x93x\x94 \x81", 14, &len);
    assert_string_equal(s, "Cli\xC3\xABnt \xE2\x82\xAC \xE2\x80\x9Cx"
                           "\xE2\x80\x9D \xEF\xBF\xBD");
    assert_int_equal(len, strlen(s));
    assert_true(csvval_utf8(s));
    free(s);
}

static void test_utf8(void **state)
{
    assert_true(csvval_utf8("Ren\xC3\xA9 \xF0\x9F\x98\x80"));
    assert_false(csvval_utf8("Ren\xE9"));      /* Latin-1 */
    assert_false(csvval_utf8("\xC0\xAF"));     /* overlong */
    assert_false(csvval_utf8("\xED\xA0\x80")); /* a surrogate */
    assert_false(csvval_utf8("\xE2\x82"));     /* cut short */
}

static void test_trim(void **state)
{
    char *s = csvval_trim(" \t Meldingnummer \t");
    assert_string_equal(s, "Meldingnummer");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_check),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_bad_dates),
        cmocka_unit_test(test_datetimes_and_summer_time),
        cmocka_unit_test(test_bsn),
        cmocka_unit_test(test_cp1252),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

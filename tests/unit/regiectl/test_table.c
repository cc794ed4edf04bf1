/*
 * Unit tests of table (regiectl's human output): text made safe for a
 * terminal and cut to a width, characters counted in UTF-8, times shown
 * in the local zone (Europe/Amsterdam here), columns aligned.
 */
#include "table.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static void test_clean(void **state)
{
    char *s = table_clean("a\x1b[31mb\nc\x7f", false, 0);
    assert_string_equal(s, "a?[31mb?c?");
    free(s);
    s = table_clean("a\nb\tc", true, 0);
    assert_string_equal(s, "a\nb?c");
    free(s);
    s = table_clean(NULL, false, 0);
    assert_string_equal(s, "-");
    free(s);
    s = table_clean("Zo\xc3\xab \xc3\x87"
                    "elik",
                    false, 4);
    assert_string_equal(s, "Zo\xc3\xab ...");
    free(s);
}

static void test_width(void **state)
{
    assert_int_equal(table_width(""), 0);
    assert_int_equal(table_width("abc"), 3);
    assert_int_equal(table_width("Zo\xc3\xab"), 3);
    assert_int_equal(table_width("\xe2\x82\xac 5"), 3);
}

static void test_local_time(void **state)
{
    char buf[TABLE_TIME_MAX];
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    assert_string_equal(table_time("2026-11-22T08:00:00Z", buf, sizeof buf),
                        "2026-11-22 09:00");
    assert_string_equal(table_time("2026-07-01T08:00:00Z", buf, sizeof buf),
                        "2026-07-01 10:00");
    assert_string_equal(table_time(NULL, buf, sizeof buf), "-");
    assert_string_equal(table_time("soon\x1b", buf, sizeof buf), "soon?");
}

static void test_table(void **state)
{
    const char *h[] = {"CASE", ">N", "WHO"};
    table_t *t = table_new(3, h);
    const char *r1[] = {"C-000001", "2", "Zo\xc3\xab"};
    const char *r2[] = {"C-2", "10", NULL};
    table_add(t, r1);
    table_add(t, r2);
    assert_int_equal(table_rows(t), 2);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    table_print(t, f);
    fclose(f);
    assert_string_equal(out, "CASE       N  WHO\n"
                             "C-000001   2  Zo\xc3\xab\n"
                             "C-2       10  -\n");
    free(out);
    table_destroy(&t);
    assert_null(t);
    table_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

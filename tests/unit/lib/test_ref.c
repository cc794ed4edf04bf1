/*
 * Unit tests of ref (references, RFC 3339 times) and table (regiectl's
 * aligned, terminal-safe output).
 */
#include "ref.h"
#include "table.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static void test_format(void **state)
{
    char buf[REF_MAX];
    assert_string_equal(ref_format(buf, sizeof buf, REF_CASE, 17), "C-000017");
    assert_string_equal(ref_format(buf, sizeof buf, REF_REGISSEUR, 3),
                        "RG-000003");
    assert_string_equal(ref_format(buf, sizeof buf, REF_REFERRAL, 1234567),
                        "R-1234567");
    json_t *j = ref_json(REF_CASE, 5);
    assert_string_equal(json_string_value(j), "C-000005");
    json_decref(j);
}

static void test_parse(void **state)
{
    int64_t id = 0;
    assert_true(ref_parse("C-000017", REF_CASE, &id));
    assert_int_equal(id, 17);
    assert_true(ref_parse("c-17", REF_CASE, &id));
    assert_int_equal(id, 17);
    assert_true(ref_parse("42", REF_CASE, &id));
    assert_int_equal(id, 42);
    assert_true(ref_parse("RG-3", REF_REGISSEUR, &id));
    assert_int_equal(id, 3);
    assert_true(ref_parse("12", "", &id));
    assert_int_equal(id, 12);
}

static void test_parse_rejects(void **state)
{
    int64_t id = 99;
    const char *bad[] = {"",     "C-", "C-0", "0",  "RG-3", "C17",
                         "C-1x", "-1", " 1",  "1 ", "C--1", "1234567890123456",
                         "C-+1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(ref_parse(bad[i], REF_CASE, &id));
    assert_false(ref_parse(NULL, REF_CASE, &id));
    assert_false(ref_parse("C-1", REF_REGISSEUR, &id));
    assert_false(ref_parse("-12", "", &id));
    assert_false(ref_parse("N-12", "", &id));
    assert_int_equal(id, 99); /* untouched */
}

static void test_time(void **state)
{
    char buf[REF_TIME_MAX];
    assert_string_equal(ref_time(buf, sizeof buf, 0), "1970-01-01T00:00:00Z");
    assert_string_equal(ref_time(buf, sizeof buf, 1795338000),
                        "2026-11-22T09:00:00Z");
    int64_t t;
    assert_true(ref_time_parse("2026-11-22T09:00:00Z", &t));
    assert_int_equal(t, 1795338000);
    assert_true(ref_time_parse("2026-11-22T10:00:00+01:00", &t));
    assert_int_equal(t, 1795338000);
    assert_true(ref_time_parse("2026-11-22T08:30:00.250-00:30", &t));
    assert_int_equal(t, 1795338000);
}

static void test_time_rejects(void **state)
{
    int64_t t = 7;
    const char *bad[] = {"",
                         "2026-11-22",
                         "2026-11-22T09:00:00",
                         "2026-11-22T09:00:00+1",
                         "2026-11-22T09:00:00Zx",
                         "2026-11-22 09:00:00Z",
                         "2026-11-22T09:00:00.Z",
                         "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(ref_time_parse(bad[i], &t));
    assert_false(ref_time_parse(NULL, &t));
    assert_int_equal(t, 7);
}

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
    tzset(); /* earlier gmtime calls read TZ already */
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
        cmocka_unit_test(test_format),        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_rejects), cmocka_unit_test(test_time),
        cmocka_unit_test(test_time_rejects),  cmocka_unit_test(test_clean),
        cmocka_unit_test(test_width),         cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

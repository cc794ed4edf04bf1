/*
 * Unit tests of ref: references (C-000017, RG-3, 42) and RFC 3339 times.
 */
#include "ref.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_rejects), cmocka_unit_test(test_time),
        cmocka_unit_test(test_time_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

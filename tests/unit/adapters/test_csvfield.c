/*
 * test_csvfield — the RRP fields a CSV mapping can fill: finding them by
 * name, their flags, the values a kind or an urgency may take, and how a
 * value is set into a body (nested, appended, joined, prefixed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "csvfield.h"

static void s_assert_body(json_t *body, const char *want)
{
    char *got = json_dumps(body, JSON_COMPACT);
    assert_string_equal(got, want);
    free(got);
}

static void test_find_and_index(void **state)
{
    for (size_t i = 0; i < CSVFIELD_COUNT; i++) {
        const csvfield_t *f = csvfield_at(i);
        assert_non_null(f);
        assert_ptr_equal(csvfield_find(f->name), f);
        assert_int_equal(csvfield_index(f), i);
    }
    assert_null(csvfield_at(CSVFIELD_COUNT));
    assert_null(csvfield_find("subject.bsm"));
    assert_null(csvfield_find("subject"));
    const csvfield_t *bsn = csvfield_find("subject.bsn");
    assert_string_equal(bsn->pointer, "/subject/bsn");
    assert_int_equal(bsn->type, CSVFIELD_BSN);
    assert_true(bsn->flags & CSVFIELD_REQUIRED);
    assert_false(bsn->flags & CSVFIELD_CONSTANT);
    assert_true(csvfield_find("note")->flags & CSVFIELD_REPEAT);
    assert_true(csvfield_find("household")->flags & CSVFIELD_REPEAT);
}

static void test_kinds_and_urgencies(void **state)
{
    char why[256];
    const csvfield_t *kind = csvfield_find("kind");
    const csvfield_t *urgency = csvfield_find("urgency");
    assert_true(csvfield_check(kind, "signaal", why, sizeof why));
    assert_false(csvfield_check(kind, "klacht", why, sizeof why));
    assert_string_equal(why, "'klacht' is not a kind (melding, verwijzing, "
                             "aanmelding or signaal)");
    assert_true(csvfield_check(urgency, "crisis", why, sizeof why));
    assert_false(csvfield_check(urgency, "hoog", why, sizeof why));
    assert_string_equal(why, "'hoog' is not an urgency (normaal, urgent or "
                             "crisis)");
    assert_true(
        csvfield_check(csvfield_find("category"), "x", why, sizeof why));
}

static void test_set(void **state)
{
    json_t *body = json_object();
    csvfield_set(body, csvfield_find("external_id"), "17", "VT-");
    csvfield_set(body, csvfield_find("subject.bsn"), "999900006", "VT-");
    csvfield_set(body, csvfield_find("subject.birth_date"), "2014-03-02", "");
    csvfield_set(body, csvfield_find("household"), "999900018", "");
    csvfield_set(body, csvfield_find("household"), "999900031", "");
    csvfield_set(body, csvfield_find("note"), "eerste", "");
    csvfield_set(body, csvfield_find("note"), "tweede", "");
    csvfield_set(body, csvfield_find("kind"), "melding", "VT-");
    s_assert_body(body, "{\"external_id\":\"VT-17\","
                        "\"subject\":{\"bsn\":\"999900006\","
                        "\"birth_date\":\"2014-03-02\"},"
                        "\"household\":[{\"bsn\":\"999900018\"},"
                        "{\"bsn\":\"999900031\"}],"
                        "\"note\":\"eerste\\ntweede\",\"kind\":\"melding\"}");
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_and_index),
        cmocka_unit_test(test_kinds_and_urgencies),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests_name("csvfield", tests, NULL, NULL);
}

/*
 * Unit tests of batch: records added and refused, the report written
 * beside a refused file (exact text), and batch_post for records refused
 * before sending (no daemon needed: nothing is sent).
 */
#include "batch.h"
#include "xmem.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_records_and_external_ids(void **state)
{
    batch_t *b = batch_new("a.jsonl");
    json_t *body =
        json_pack("{s:s, s:s}", "external_id", "VT-1", "kind", "melding");
    batch_add(b, 1, body);
    json_decref(body);
    batch_refuse(b, 2, NULL, "bad_json", NULL, "line 2, column 3: %s",
                 "invalid token");
    assert_int_equal(batch_count(b), 2);
    assert_string_equal(batch_record(b, 0)->external_id, "VT-1");
    assert_int_equal(batch_record(b, 0)->state, BATCH_PENDING);
    assert_int_equal(batch_record(b, 1)->state, BATCH_REFUSED);
    assert_true(batch_record(b, 1)->local);
    assert_int_equal(batch_tally(b, BATCH_REFUSED), 1);
    assert_string_equal(batch_source(b), "a.jsonl");
    batch_destroy(&b);
    assert_null(b);
}

static void test_no_report_without_refusals(void **state)
{
    batch_t *b = batch_new("a.csv");
    assert_null(batch_report(b, "regie-spool"));
    json_t *body = json_object();
    batch_add(b, 2, body);
    json_decref(body);
    assert_null(batch_report(b, "regie-spool"));
    batch_destroy(&b);
}

static void test_report_of_records(void **state)
{
    batch_t *b = batch_new("vt.csv");
    json_t *body = json_object();
    batch_add(b, 2, body);
    json_decref(body);
    batch_refuse(b, 3, "VT-2", "invalid_field", "/subject/birth_date",
                 "column 'Geboren': '%s' is not a date", "31-02-2014");
    batch_refuse(b, 5, NULL, "bad_csv", NULL, "two\nlines\tand a tab");
    char *r = batch_report(b, "regie-spool");
    assert_string_equal(
        r, "# regie-spool: vt.csv: 2 of 3 records refused; 0 accepted (0 of "
           "them before, as duplicates).\n"
           "# Fix the records below and put the file in the folder again: the "
           "accepted\n"
           "# records then come back as duplicates, never as a second "
           "referral.\n"
           "vt.csv:3: invalid_field: column 'Geboren': '31-02-2014' is not a "
           "date (field /subject/birth_date, external_id VT-2)\n"
           "vt.csv:5: bad_csv: two lines and a tab\n");
    free(r);
    batch_destroy(&b);
}

static void test_report_of_failed_file(void **state)
{
    batch_t *b = batch_new("m.xml");
    batch_fail(b, 19, "not_well_formed", "not well-formed XML: %s",
               "Opening and ending tag mismatch");
    batch_fail(b, 0, "invalid_message", "the message is empty");
    assert_true(batch_failed(b));
    char *r = batch_report(b, "regie-ijw");
    assert_string_equal(
        r, "# regie-ijw: m.xml was refused as a whole; nothing in it was "
           "posted.\n"
           "# Fix the file and put it in the folder again.\n"
           "m.xml:19: not_well_formed: not well-formed XML: Opening and ending "
           "tag mismatch\n"
           "m.xml: invalid_message: the message is empty\n");
    free(r);
    batch_destroy(&b);
}

/* Counts hook calls; checks that nothing was sent. */
static void s_hook(void *arg, const batch_t *b, const batch_record_t *rec,
                   const adapter_result_t *r)
{
    assert_null(r);
    assert_int_equal(rec->state, BATCH_REFUSED);
    (*(int *)arg)++;
}

static void test_post_sends_nothing_refused_here(void **state)
{
    batch_t *b = batch_new("x.json");
    batch_refuse(b, 1, NULL, "bad_json", NULL, "no");
    batch_refuse(b, 4, NULL, "bad_json", NULL, "no");
    int calls = 0;
    assert_int_equal(batch_post(b, NULL, s_hook, &calls), ADAPTER_ACK);
    assert_int_equal(calls, 2);
    /* Already handled: a second call does nothing. */
    assert_int_equal(batch_post(b, NULL, s_hook, &calls), ADAPTER_ACK);
    assert_int_equal(calls, 2);
    batch_destroy(&b);
}

static void test_post_failed_batch_sends_nothing(void **state)
{
    batch_t *b = batch_new("x.csv");
    json_t *body = json_object();
    batch_add(b, 2, body);
    json_decref(body);
    batch_fail(b, 1, "bad_csv", "column 'BSN' is not in the header");
    int calls = 0;
    assert_int_equal(batch_post(b, NULL, s_hook, &calls), ADAPTER_ACK);
    assert_int_equal(calls, 0);
    assert_int_equal(batch_record(b, 0)->state, BATCH_PENDING);
    batch_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_and_external_ids),
        cmocka_unit_test(test_no_report_without_refusals),
        cmocka_unit_test(test_report_of_records),
        cmocka_unit_test(test_report_of_failed_file),
        cmocka_unit_test(test_post_sends_nothing_refused_here),
        cmocka_unit_test(test_post_failed_batch_sends_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

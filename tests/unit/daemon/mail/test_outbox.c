/*
 * Unit tests of outbox on a real SQLite file in a temporary folder: one
 * row per key whatever is queued again, a note without address failed at
 * once, the row due first, holding without counting an attempt, the
 * outcomes of an attempt, a failed notification made pending again, and
 * the counts and lists regiectl shows. Times are passed explicitly.
 */
#include "mail/outbox.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NOW 1800000000 /* 2027-01-15 */
#define NO_ADDRESS "no address for this recipient in the configuration"

typedef struct {
    char dir[64];
    char path[96];
    store_t *store;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-outbox.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/regie.db", f->dir);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_destroy(&f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static long long one(fixture_t *f, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(f->store), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Queues a note with key to a@gemeente.nl (or, to NULL, to nobody) at
 * now; returns its id. */
static int64_t add(fixture_t *f, const char *key, const char *to, bool urgent,
                   int64_t now)
{
    outbox_note_t n = {.key = key,
                       .to = to,
                       .to_name = "Kernteam",
                       .subject = "Nieuwe casus C-000001",
                       .body = "Een nieuwe casus.",
                       .urgent = urgent,
                       .case_id = 1};
    assert_int_equal(outbox_add(f->store, &n, now), 0);
    return store_last_id(f->store);
}

static void test_queued_note_is_pending_and_due_at_once(void **state)
{
    fixture_t *f = *state;
    int64_t id = add(f, "case:1:kernteam", "a@gemeente.nl", false, NOW);
    assert_int_equal(id, 1);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE id = 1 AND"
               " key = 'case:1:kernteam' AND recipient = 'a@gemeente.nl' AND"
               " recipient_name = 'Kernteam' AND status = 'pending' AND"
               " attempts = 0 AND urgent = 0 AND created_at = 1800000000 AND"
               " next_attempt_at = 1800000000 AND last_error IS NULL AND"
               " case_id = 1 AND referral_id IS NULL AND sent_at IS NULL"),
        1);
    assert_int_equal(outbox_next_due(f->store), NOW);
}

static void test_outbox_key_is_unique(void **state)
{
    fixture_t *f = *state;
    add(f, "agreement:4:1:0:owner", "a@gemeente.nl", false, NOW);
    /* Queued again (a restart, a retry of the cause): left as it is. */
    outbox_note_t again = {.key = "agreement:4:1:0:owner",
                           .to = "b@gemeente.nl",
                           .subject = "Anders",
                           .body = "Anders.",
                           .urgent = true};
    assert_int_equal(outbox_add(f->store, &again, NOW + 3600), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM notification"), 1);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE"
               " recipient = 'a@gemeente.nl' AND subject = 'Nieuwe casus"
               " C-000001' AND urgent = 0 AND created_at = 1800000000"),
        1);
    /* Also once it was sent. */
    assert_int_equal(outbox_sent(f->store, 1, NOW + 60), 0);
    assert_int_equal(outbox_add(f->store, &again, NOW + 7200), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM notification"), 1);
    assert_int_equal(one(f, "SELECT status = 'sent' FROM notification"), 1);
}

static void test_note_without_address_is_failed_at_once(void **state)
{
    fixture_t *f = *state;
    add(f, "agreement:4:1:2:gemeente", NULL, false, NOW);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'failed'"
               " AND recipient IS NULL AND attempts = 0 AND"
               " last_error = '" NO_ADDRESS "'"),
        1);
    assert_int_equal(outbox_next_due(f->store), -1);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW, &row), 0);
}

static void test_take_due_reads_the_row_due_first(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "one@gemeente.nl", false, NOW + 20);
    add(f, "k2", "two@gemeente.nl", true, NOW + 10);
    add(f, "k3", "three@gemeente.nl", false, NOW + 10);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW + 9, &row), 0);
    assert_int_equal(outbox_take_due(f->store, NOW + 10, &row), 1);
    /* The earliest next attempt, then the lowest id. */
    assert_int_equal(row.id, 2);
    assert_string_equal(row.key, "k2");
    assert_string_equal(row.to, "two@gemeente.nl");
    assert_string_equal(row.to_name, "Kernteam");
    assert_string_equal(row.subject, "Nieuwe casus C-000001");
    assert_string_equal(row.body, "Een nieuwe casus.");
    assert_true(row.urgent);
    assert_int_equal(row.attempts, 0);
    assert_int_equal(row.created_at, NOW + 10);
    outbox_row_clear(&row);
    assert_null(row.key);
    assert_int_equal(row.id, 0);
    /* Taking is reading: it stays pending and due until an outcome. */
    assert_int_equal(outbox_take_due(f->store, NOW + 10, &row), 1);
    assert_int_equal(row.id, 2);
    outbox_row_clear(&row);
}

static void test_deferred_row_waits_without_an_attempt(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_defer(f->store, 1, NOW + 36000), 0);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW + 35999, &row), 0);
    assert_int_equal(outbox_next_due(f->store), NOW + 36000);
    assert_int_equal(outbox_take_due(f->store, NOW + 36000, &row), 1);
    assert_int_equal(row.attempts, 0);
    outbox_row_clear(&row);
}

static void test_sent_records_the_time_and_the_attempt(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_retry_later(f->store, 1, NOW, NOW + 60, "451 busy"),
                     0);
    assert_int_equal(outbox_sent(f->store, 1, NOW + 60), 0);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'sent' AND"
               " sent_at = 1800000060 AND attempts = 2 AND last_error IS NULL"),
        1);
    assert_int_equal(outbox_next_due(f->store), -1);
}

static void test_temporary_failure_stays_pending_until_retry_at(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(
        outbox_retry_later(f->store, 1, NOW, NOW + 120, "421 try later"), 0);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'pending'"
               " AND attempts = 1 AND next_attempt_at = 1800000120 AND"
               " last_error = '421 try later'"),
        1);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW + 119, &row), 0);
    assert_int_equal(outbox_take_due(f->store, NOW + 120, &row), 1);
    assert_int_equal(row.attempts, 1);
    outbox_row_clear(&row);
}

static void test_permanent_failure_is_failed_with_the_reply(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_failed(f->store, 1, NOW + 5, "550 no such user"),
                     0);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'failed'"
               " AND attempts = 1 AND last_error = '550 no such user' AND"
               " next_attempt_at = 1800000005 AND sent_at IS NULL"),
        1);
    assert_int_equal(outbox_next_due(f->store), -1);
}

static void test_failed_notification_retry_returns_to_pending(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_failed(f->store, 1, NOW, "550 no such user"), 0);
    assert_int_equal(outbox_retry(f->store, 1, NOW + 600), 1);
    /* Pending and due at once; the attempts and the last error stay, so
     * regiectl still shows what went wrong before. */
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'pending'"
               " AND next_attempt_at = 1800000600 AND attempts = 1 AND"
               " last_error = '550 no such user'"),
        1);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW + 600, &row), 1);
    assert_int_equal(row.id, 1);
    outbox_row_clear(&row);
}

static void test_retry_refuses_rows_that_did_not_fail(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_retry(f->store, 1, NOW + 60), 0); /* pending */
    assert_int_equal(outbox_sent(f->store, 1, NOW + 60), 0);
    assert_int_equal(outbox_retry(f->store, 1, NOW + 120), 0);  /* sent */
    assert_int_equal(outbox_retry(f->store, 99, NOW + 120), 0); /* none */
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'sent' AND"
               " next_attempt_at = 1800000000"),
        1);
}

static void test_counts_by_status(void **state)
{
    fixture_t *f = *state;
    int64_t p, s, x;
    assert_int_equal(outbox_counts(f->store, &p, &s, &x), 0);
    assert_int_equal(p + s + x, 0);
    add(f, "k1", "a@gemeente.nl", false, NOW);
    add(f, "k2", "a@gemeente.nl", false, NOW);
    add(f, "k3", NULL, false, NOW);
    add(f, "k4", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_sent(f->store, 4, NOW), 0);
    assert_int_equal(outbox_counts(f->store, &p, &s, &x), 0);
    assert_int_equal(p, 2);
    assert_int_equal(s, 1);
    assert_int_equal(x, 1);
}

static void test_list_filters_newest_first_up_to_limit(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    add(f, "k2", NULL, true, NOW + 1);
    add(f, "k3", "c@gemeente.nl", false, NOW + 2);
    json_t *all = outbox_list(f->store, NULL, 0);
    assert_non_null(all);
    assert_int_equal(json_array_size(all), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(all, 0), "key")),
        "k3");
    json_decref(all);
    json_t *two = outbox_list(f->store, NULL, 2);
    assert_int_equal(json_array_size(two), 2);
    json_decref(two);
    json_t *failed = outbox_list(f->store, "failed", 10);
    assert_int_equal(json_array_size(failed), 1);
    json_t *o = json_array_get(failed, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "id")), 2);
    assert_true(json_is_null(json_object_get(o, "to")));
    assert_string_equal(json_string_value(json_object_get(o, "status")),
                        "failed");
    assert_string_equal(json_string_value(json_object_get(o, "last_error")),
                        NO_ADDRESS);
    assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 0);
    assert_true(json_is_true(json_object_get(o, "urgent")));
    assert_true(json_is_null(json_object_get(o, "sent_at")));
    assert_true(json_is_string(json_object_get(o, "created_at")));
    json_decref(failed);
    json_t *none = outbox_list(f->store, "bounced", 10);
    assert_non_null(none);
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
}

static void test_store_that_refuses_writes_fails_the_add(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(store_exec(f->store, "PRAGMA query_only = 1"), 0);
    outbox_note_t n = {.key = "k1", .to = "a@b", .subject = "s", .body = "b"};
    assert_int_equal(outbox_add(f->store, &n, NOW), -1);
    assert_int_equal(outbox_retry(f->store, 1, NOW), -1);
    assert_int_equal(store_exec(f->store, "PRAGMA query_only = 0"), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM notification"), 0);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_queued_note_is_pending_and_due_at_once),
        T(test_outbox_key_is_unique),
        T(test_note_without_address_is_failed_at_once),
        T(test_take_due_reads_the_row_due_first),
        T(test_deferred_row_waits_without_an_attempt),
        T(test_sent_records_the_time_and_the_attempt),
        T(test_temporary_failure_stays_pending_until_retry_at),
        T(test_permanent_failure_is_failed_with_the_reply),
        T(test_failed_notification_retry_returns_to_pending),
        T(test_retry_refuses_rows_that_did_not_fail),
        T(test_counts_by_status),
        T(test_list_filters_newest_first_up_to_limit),
        T(test_store_that_refuses_writes_fails_the_add),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

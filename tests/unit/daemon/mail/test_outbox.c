/*
 * Unit tests of outbox on a real SQLite file in a temporary folder: one
 * row per key whatever is queued again, a note without address failed at
 * once, the row due first (but for those out with the sender), holding
 * without counting an attempt, the outcomes of an attempt, a failed
 * notification made pending again, the counts and lists regiectl shows,
 * and the Message-ID of a row: its own, the same on every attempt,
 * another in another database, and the old one for a row from before
 * schema 4; a mail with an HTML alternative and an inline picture keeps
 * both, the picture's bytes exactly. Times are passed explicitly.
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

#include "../tmpstore.h"

#define NOW 1800000000 /* 2027-01-15 */
#define NO_ADDRESS "no address for this recipient in the configuration"

typedef tmpstore_t fixture_t;

static int setup(void **state)
{
    *state = tmpstore_new("outbox");
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    tmpstore_destroy(&f);
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
    assert_int_equal(outbox_next_due(f->store, NULL, 0), NOW);
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
    assert_int_equal(outbox_next_due(f->store, NULL, 0), -1);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW, NULL, 0, &row), 0);
}

static void test_take_due_reads_the_row_due_first(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "one@gemeente.nl", false, NOW + 20);
    add(f, "k2", "two@gemeente.nl", true, NOW + 10);
    add(f, "k3", "three@gemeente.nl", false, NOW + 10);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW + 9, NULL, 0, &row), 0);
    assert_int_equal(outbox_take_due(f->store, NOW + 10, NULL, 0, &row), 1);
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
    assert_int_equal(outbox_take_due(f->store, NOW + 10, NULL, 0, &row), 1);
    assert_int_equal(row.id, 2);
    outbox_row_clear(&row);
}

static void test_rows_out_with_the_sender_are_skipped(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "one@gemeente.nl", false, NOW);
    add(f, "k2", "two@gemeente.nl", false, NOW);
    add(f, "k3", "three@gemeente.nl", false, NOW + 50);
    int64_t out[] = {1, 2};
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW, out, 1, &row), 1);
    assert_int_equal(row.id, 2);
    outbox_row_clear(&row);
    assert_int_equal(outbox_take_due(f->store, NOW, out, 2, &row), 0);
    assert_int_equal(outbox_next_due(f->store, out, 1), NOW);
    assert_int_equal(outbox_next_due(f->store, out, 2), NOW + 50);
    assert_int_equal(outbox_take_due(f->store, NOW + 50, out, 2, &row), 1);
    assert_int_equal(row.id, 3);
    outbox_row_clear(&row);
    int64_t all[] = {3, 1, 2};
    assert_int_equal(outbox_next_due(f->store, all, 3), -1);
}

static void test_deferred_row_waits_without_an_attempt(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    assert_int_equal(outbox_defer(f->store, 1, NOW + 36000), 0);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, NOW + 35999, NULL, 0, &row), 0);
    assert_int_equal(outbox_next_due(f->store, NULL, 0), NOW + 36000);
    assert_int_equal(outbox_take_due(f->store, NOW + 36000, NULL, 0, &row), 1);
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
    assert_int_equal(outbox_next_due(f->store, NULL, 0), -1);
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
    assert_int_equal(outbox_take_due(f->store, NOW + 119, NULL, 0, &row), 0);
    assert_int_equal(outbox_take_due(f->store, NOW + 120, NULL, 0, &row), 1);
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
    assert_int_equal(outbox_next_due(f->store, NULL, 0), -1);
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
    assert_int_equal(outbox_take_due(f->store, NOW + 600, NULL, 0, &row), 1);
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

/* Takes the row due first at NOW + 1e6 (any pending row). */
static void take(fixture_t *f, outbox_row_t *row)
{
    assert_int_equal(outbox_take_due(f->store, NOW + 1000000, NULL, 0, row), 1);
}

static void test_each_row_has_a_message_id_of_its_own(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", "a@gemeente.nl", false, NOW);
    add(f, "k2", "a@gemeente.nl", false, NOW + 1);
    /* "<installation>.<random>": 16 and 20 hex digits, the installation
     * the same for both rows, the random part not. */
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification n, installation i WHERE"
               " n.message_id = i.uid || '.' || substr(n.message_id, 18)"
               " AND length(i.uid) = 16 AND length(n.message_id) = 37 AND"
               " substr(n.message_id, 18) NOT GLOB '*[^0-9a-f]*'"),
        2);
    assert_int_equal(
        one(f, "SELECT count(DISTINCT message_id) FROM notification"), 2);
    outbox_row_t row;
    take(f, &row);
    char first[128], again[128];
    outbox_message_id(&row, "regie@gemeente.nl", first, sizeof first);
    assert_int_equal(strncmp(first, "regie.", 6), 0);
    assert_string_equal(first + 6 + 37, "@gemeente.nl");
    assert_memory_equal(first + 6, row.message_id, 37);
    outbox_row_clear(&row);
    /* Every attempt of the one notification: the same Message-ID. */
    assert_int_equal(outbox_retry_later(f->store, 1, NOW, NOW, "451 busy"), 0);
    take(f, &row);
    assert_int_equal(row.id, 1);
    outbox_message_id(&row, "regie@gemeente.nl", again, sizeof again);
    assert_string_equal(again, first);
    outbox_row_clear(&row);
}

static void test_row_from_before_schema_4_keeps_its_message_id(void **state)
{
    fixture_t *f = *state;
    add(f, "referral/1/kernteam", "a@gemeente.nl", false, NOW);
    assert_int_equal(
        store_exec(f->store, "UPDATE notification SET message_id = NULL"), 0);
    outbox_row_t row;
    take(f, &row);
    assert_null(row.message_id);
    char id[128];
    /* As before: BLAKE2b (16 bytes) of the key, in hex. */
    outbox_message_id(&row, "regie@gemeente.nl", id, sizeof id);
    assert_string_equal(id, "regie.a960fcd0c45e98b6410f8f96018693fe"
                            "@gemeente.nl");
    outbox_message_id(&row, NULL, id, sizeof id);
    assert_string_equal(id, "regie.a960fcd0c45e98b6410f8f96018693fe@regie");
    outbox_row_clear(&row);
}

static void test_another_database_gives_other_message_ids(void **state)
{
    fixture_t *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    store_t *other = store_open(path, 1000, 0);
    assert_non_null(other);
    outbox_note_t n = {.key = "referral/1/kernteam",
                       .to = "a@gemeente.nl",
                       .subject = "s",
                       .body = "b"};
    assert_int_equal(outbox_add(f->store, &n, NOW), 0);
    assert_int_equal(outbox_add(other, &n, NOW), 0);
    outbox_row_t a, b;
    take(f, &a);
    assert_int_equal(outbox_take_due(other, NOW, NULL, 0, &b), 1);
    assert_string_equal(a.key, b.key);
    /* Neither the installation nor the random part is the same. */
    assert_memory_not_equal(a.message_id, b.message_id, 16);
    assert_memory_not_equal(a.message_id + 17, b.message_id + 17, 20);
    outbox_row_clear(&a);
    outbox_row_clear(&b);
    store_destroy(&other);
}

static void test_html_and_parts_are_kept_with_the_row(void **state)
{
    fixture_t *f = *state;
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 0xff, 7};
    mime_part_t part = {.content_type = "image/png",
                        .cid = "chart.1@gemeente.example",
                        .filename = "chart.png",
                        .data = png,
                        .len = sizeof png};
    outbox_note_t n = {.key = "digest/2027-W02",
                       .to = "g@gemeente.nl",
                       .subject = "Weekoverzicht",
                       .body = "Tekst.",
                       .html = "<p>Tekst.</p>",
                       .parts = &part,
                       .n_parts = 1};
    assert_int_equal(outbox_add(f->store, &n, NOW), 0);
    add(f, "k2", "a@gemeente.nl", false, NOW);
    outbox_row_t row;
    take(f, &row);
    assert_string_equal(row.html, "<p>Tekst.</p>");
    assert_string_equal(row.parts, "[{\"cid\":\"chart.1@gemeente.example\","
                                   "\"content_type\":\"image/png\","
                                   "\"filename\":\"chart.png\","
                                   "\"base64\":\"iVBORwD/Bw==\"}]");
    assert_int_equal(outbox_sent(f->store, row.id, NOW), 0);
    outbox_row_clear(&row);
    /* A plain-text note has neither. */
    take(f, &row);
    assert_string_equal(row.key, "k2");
    assert_null(row.html);
    assert_null(row.parts);
    outbox_row_clear(&row);
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
        T(test_rows_out_with_the_sender_are_skipped),
        T(test_deferred_row_waits_without_an_attempt),
        T(test_sent_records_the_time_and_the_attempt),
        T(test_temporary_failure_stays_pending_until_retry_at),
        T(test_permanent_failure_is_failed_with_the_reply),
        T(test_failed_notification_retry_returns_to_pending),
        T(test_retry_refuses_rows_that_did_not_fail),
        T(test_counts_by_status),
        T(test_list_filters_newest_first_up_to_limit),
        T(test_each_row_has_a_message_id_of_its_own),
        T(test_row_from_before_schema_4_keeps_its_message_id),
        T(test_another_database_gives_other_message_ids),
        T(test_html_and_parts_are_kept_with_the_row),
        T(test_store_that_refuses_writes_fails_the_add),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

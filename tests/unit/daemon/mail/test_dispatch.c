/*
 * Unit tests of dispatch: the backoff of retries, the verdict on each
 * outcome of an attempt (sent, failed, retried, given up at the end of
 * the lifetime, due again when the session never got to it) and when
 * quiet hours release a notification, all with times passed explicitly
 * in Europe/Amsterdam; then a dispatch with its sender thread on an
 * outbox in a temporary folder, for what it does before any mail
 * leaves: nothing without a mail group, holding through quiet hours
 * (under the test clock), at most a window handed over, and how long
 * the loop may sleep.
 * Handing a notification to the sender and recording its outcome need
 * an SMTP server: tests/integration/test_smtp.py covers those.
 */
#include "clock.h"
#include "mail/dispatch.h"
#include "mail/outbox.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include <cmocka.h>

#define HOUR 3600
#define SAT_24_OCT_2200 1792872000 /* 2026-10-24 22:00 +02:00 */
#define SUN_25_OCT_0300 1792893600 /* 2026-10-25 03:00 +01:00 */
#define SUN_25_OCT_0700 1792908000 /* 2026-10-25 07:00 +01:00 */
#define SAT_27_MAR_2200 1806181200 /* 2027-03-27 22:00 +01:00 */
#define SUN_28_MAR_0700 1806210000 /* 2027-03-28 07:00 +02:00 */
#define TUE_01_DEC_0900 1796112000 /* 2026-12-01 09:00 +01:00 */
#define JAN_2100 4102444800        /* 2100-01-01 00:00 UTC */

/* The mail settings of the tests: quiet 20:00-07:00, retries after 60 s
 * doubling up to 1000 s, given up after 48 hours. */
static cfg_mail_t s_mail(void)
{
    return (cfg_mail_t){.enabled = true,
                        .from = {.name = "Regie", .email = "regie@gemeente.nl"},
                        .quiet_start = 20 * 60,
                        .quiet_end = 7 * 60,
                        .smtp_host = "localhost",
                        .smtp_port = 1,
                        .smtp_starttls = true,
                        .smtp_timeout_ms = 1000,
                        .retry_min_s = 60,
                        .retry_max_s = 1000,
                        .lifetime_h = 48};
}

static smtp_result_t s_result(smtp_outcome_t outcome, bool affects_all)
{
    smtp_result_t r = {.outcome = outcome, .affects_all = affects_all};
    snprintf(r.reason, sizeof r.reason, "%s", "451 try again later");
    return r;
}

/* ------------------------------------------------------------ backoff */

static void test_retry_backoff_doubles_up_to_max(void **state)
{
    cfg_mail_t m = s_mail();
    assert_int_equal(dispatch_backoff(&m, 1), 60);
    assert_int_equal(dispatch_backoff(&m, 2), 120);
    assert_int_equal(dispatch_backoff(&m, 3), 240);
    assert_int_equal(dispatch_backoff(&m, 4), 480);
    assert_int_equal(dispatch_backoff(&m, 5), 960);
    assert_int_equal(dispatch_backoff(&m, 6), 1000);
    assert_int_equal(dispatch_backoff(&m, 7), 1000);
    assert_int_equal(dispatch_backoff(&m, 1000000), 1000);
}

static void test_backoff_before_any_attempt_is_the_minimum(void **state)
{
    cfg_mail_t m = s_mail();
    assert_int_equal(dispatch_backoff(&m, 0), 60);
    assert_int_equal(dispatch_backoff(&m, -3), 60);
}

static void test_backoff_never_exceeds_a_max_below_the_minimum(void **state)
{
    cfg_mail_t m = s_mail();
    m.retry_min_s = 600;
    m.retry_max_s = 300;
    assert_int_equal(dispatch_backoff(&m, 1), 300);
    assert_int_equal(dispatch_backoff(&m, 3), 300);
}

/* ------------------------------------------------------------ verdict */

static void test_accepted_notification_is_sent(void **state)
{
    cfg_mail_t m = s_mail();
    smtp_result_t r = s_result(SMTP_RESULT_SENT, false);
    int64_t at = -7;
    assert_int_equal(dispatch_verdict(&m, &r, 3, 0, TUE_01_DEC_0900, &at),
                     DISPATCH_SENT);
    assert_int_equal(at, -7);
}

static void test_permanent_refusal_fails_at_once(void **state)
{
    cfg_mail_t m = s_mail();
    smtp_result_t r = s_result(SMTP_RESULT_PERMANENT, false);
    int64_t at = -7;
    assert_int_equal(
        dispatch_verdict(&m, &r, 0, TUE_01_DEC_0900, TUE_01_DEC_0900, &at),
        DISPATCH_FAILED);
    assert_int_equal(at, -7);
}

static void test_temporary_failure_retries_after_the_backoff(void **state)
{
    cfg_mail_t m = s_mail();
    smtp_result_t r = s_result(SMTP_RESULT_TEMPORARY, false);
    int64_t created = TUE_01_DEC_0900 - HOUR, at = 0;
    /* The first attempt failed: a minute. */
    assert_int_equal(dispatch_verdict(&m, &r, 0, created, TUE_01_DEC_0900, &at),
                     DISPATCH_RETRY);
    assert_int_equal(at, TUE_01_DEC_0900 + 60);
    /* The third: four minutes. */
    assert_int_equal(dispatch_verdict(&m, &r, 2, created, TUE_01_DEC_0900, &at),
                     DISPATCH_RETRY);
    assert_int_equal(at, TUE_01_DEC_0900 + 240);
}

static void test_refusal_of_every_mail_is_retried_not_failed(void **state)
{
    /* A certificate, a password, the server: the operator's problem;
     * the notifications are kept. */
    cfg_mail_t m = s_mail();
    smtp_result_t r = s_result(SMTP_RESULT_PERMANENT, true);
    int64_t at = 0;
    assert_int_equal(dispatch_verdict(&m, &r, 5, TUE_01_DEC_0900 - HOUR,
                                      TUE_01_DEC_0900, &at),
                     DISPATCH_RETRY);
    assert_int_equal(at, TUE_01_DEC_0900 + 1000);
}

static void test_gives_up_at_the_end_of_the_lifetime(void **state)
{
    cfg_mail_t m = s_mail();
    smtp_result_t t = s_result(SMTP_RESULT_TEMPORARY, false);
    smtp_result_t all = s_result(SMTP_RESULT_PERMANENT, true);
    int64_t now = TUE_01_DEC_0900, at = -7;
    assert_int_equal(dispatch_verdict(&m, &t, 9, now - 48 * HOUR, now, &at),
                     DISPATCH_GIVE_UP);
    assert_int_equal(dispatch_verdict(&m, &all, 9, now - 48 * HOUR, now, &at),
                     DISPATCH_GIVE_UP);
    assert_int_equal(at, -7);
    assert_int_equal(dispatch_verdict(&m, &t, 9, now - 48 * HOUR + 1, now, &at),
                     DISPATCH_RETRY);
    assert_int_equal(at, now + 1000);
}

static void test_mail_the_session_never_got_to_is_due_again_now(void **state)
{
    /* No attempt: no backoff, whatever came before. */
    cfg_mail_t m = s_mail();
    smtp_result_t r = s_result(SMTP_RESULT_TEMPORARY, true);
    r.requeue = true;
    int64_t at = 0;
    assert_int_equal(dispatch_verdict(&m, &r, 4, TUE_01_DEC_0900 - HOUR,
                                      TUE_01_DEC_0900, &at),
                     DISPATCH_REQUEUE);
    assert_int_equal(at, TUE_01_DEC_0900);
}

/* -------------------------------------------------------- quiet hours */

static void test_quiet_hours_delay_until_they_end(void **state)
{
    cfg_mail_t m = s_mail();
    assert_int_equal(dispatch_release_at(&m, false, SAT_24_OCT_2200),
                     SUN_25_OCT_0700);
    assert_int_equal(dispatch_release_at(&m, false, SUN_25_OCT_0300),
                     SUN_25_OCT_0700);
    assert_int_equal(dispatch_release_at(&m, false, SAT_27_MAR_2200),
                     SUN_28_MAR_0700);
}

static void test_urgent_notification_is_not_held(void **state)
{
    cfg_mail_t m = s_mail();
    assert_int_equal(dispatch_release_at(&m, true, SAT_24_OCT_2200),
                     SAT_24_OCT_2200);
}

static void test_outside_quiet_hours_it_goes_now(void **state)
{
    cfg_mail_t m = s_mail();
    assert_int_equal(dispatch_release_at(&m, false, TUE_01_DEC_0900),
                     TUE_01_DEC_0900);
    assert_int_equal(dispatch_release_at(&m, false, SUN_25_OCT_0700),
                     SUN_25_OCT_0700);
    m.quiet_start = m.quiet_end = 0; /* no quiet hours */
    assert_int_equal(dispatch_release_at(&m, false, SAT_24_OCT_2200),
                     SAT_24_OCT_2200);
}

/* ------------------------------------------- a dispatch and its outbox */

typedef struct {
    char dir[64];
    char path[96];
    store_t *store;
    void *zmq;
    cfg_t cfg;
    dispatch_t *d;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-dispatch.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/regie.db", f->dir);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
    f->zmq = zmq_ctx_new();
    assert_non_null(f->zmq);
    f->cfg.mail = s_mail();
    f->d = dispatch_new(f->zmq, f->store, &f->cfg);
    assert_non_null(f->d);
    assert_non_null(dispatch_socket(f->d));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    dispatch_destroy(&f->d);
    assert_null(f->d);
    dispatch_destroy(&f->d); /* accepts NULL */
    assert_int_equal(zmq_ctx_term(f->zmq), 0);
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

static void add(fixture_t *f, const char *key, bool urgent, int64_t now)
{
    outbox_note_t n = {.key = key,
                       .to = "kernteam@gemeente.nl",
                       .subject = "Herinnering",
                       .body = "Tekst.",
                       .urgent = urgent};
    assert_int_equal(outbox_add(f->store, &n, now), 0);
}

static void test_without_mail_group_nothing_is_dispatched(void **state)
{
    fixture_t *f = *state;
    f->cfg.mail.enabled = false;
    add(f, "k1", false, 1000);
    assert_int_equal(dispatch_timeout_ms(f->d), -1);
    dispatch_kick(f->d);
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'pending'"
               " AND attempts = 0 AND next_attempt_at = 1000"),
        1);
}

static void test_nothing_pending_means_no_timeout(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(dispatch_timeout_ms(f->d), -1);
    outbox_note_t n = {.key = "k1", .subject = "s", .body = "b"}; /* failed */
    assert_int_equal(outbox_add(f->store, &n, 1000), 0);
    assert_int_equal(dispatch_timeout_ms(f->d), -1);
}

static void test_overdue_notification_is_due_now(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", false, 1000); /* 1970: long overdue */
    assert_int_equal(dispatch_timeout_ms(f->d), 0);
}

static void test_timeout_is_at_most_an_hour(void **state)
{
    fixture_t *f = *state;
    add(f, "k1", false, 1000);
    assert_int_equal(outbox_defer(f->store, 1, JAN_2100), 0);
    assert_int_equal(dispatch_timeout_ms(f->d), 3600 * 1000);
}

static void test_kick_holds_a_notification_through_quiet_hours(void **state)
{
    fixture_t *f = *state;
    clock_set(SAT_24_OCT_2200);
    add(f, "k1", false, SAT_24_OCT_2200 - 60);
    dispatch_kick(f->d);
    /* Held until 07:00, no attempt counted, the sender left idle: the
     * loop may sleep (the hour it sleeps at most). */
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'pending'"
               " AND attempts = 0 AND next_attempt_at = 1792908000"),
        1);
    assert_int_equal(dispatch_timeout_ms(f->d), 3600 * 1000);
    clock_set(time(NULL));
}

static void test_kick_hands_at_most_a_window(void **state)
{
    fixture_t *f = *state;
    char key[16];
    for (int i = 0; i < DISPATCH_WINDOW + 4; i++) {
        snprintf(key, sizeof key, "k%d", i);
        add(f, key, true, 1000);
    }
    dispatch_kick(f->d);
    assert_int_equal(dispatch_out(f->d), DISPATCH_WINDOW);
    /* The window is full: nothing to wait for until an outcome. */
    assert_int_equal(dispatch_timeout_ms(f->d), -1);
    /* Nothing was recorded yet: all pending, no attempt. */
    assert_int_equal(
        one(f, "SELECT count(*) FROM notification WHERE status = 'pending'"
               " AND attempts = 0"),
        DISPATCH_WINDOW + 4);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_backoff_doubles_up_to_max),
        cmocka_unit_test(test_backoff_before_any_attempt_is_the_minimum),
        cmocka_unit_test(test_backoff_never_exceeds_a_max_below_the_minimum),
        cmocka_unit_test(test_accepted_notification_is_sent),
        cmocka_unit_test(test_permanent_refusal_fails_at_once),
        cmocka_unit_test(test_temporary_failure_retries_after_the_backoff),
        cmocka_unit_test(test_refusal_of_every_mail_is_retried_not_failed),
        cmocka_unit_test(test_gives_up_at_the_end_of_the_lifetime),
        cmocka_unit_test(test_mail_the_session_never_got_to_is_due_again_now),
        cmocka_unit_test(test_quiet_hours_delay_until_they_end),
        cmocka_unit_test(test_urgent_notification_is_not_held),
        cmocka_unit_test(test_outside_quiet_hours_it_goes_now),
        T(test_without_mail_group_nothing_is_dispatched),
        T(test_nothing_pending_means_no_timeout),
        T(test_overdue_notification_is_due_now),
        T(test_timeout_is_at_most_an_hour),
        T(test_kick_holds_a_notification_through_quiet_hours),
        T(test_kick_hands_at_most_a_window),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of tally: the first event of a reason in an interval is
 * logged, the rest are summed up in one line when the interval is over
 * (with the number of sources and the busiest), a new interval logs its
 * first event again, and the totals since start count everything. The
 * log goes to stderr, captured here in a temporary file; times are
 * given, not read.
 */
#include "log.h"
#include "tally.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char s_path[64];
static int s_saved = -1;

/* Sends stderr to a fresh temporary file. */
static int setup(void **state)
{
    snprintf(s_path, sizeof s_path, "/tmp/regie-tally.XXXXXX");
    int fd = mkstemp(s_path);
    assert_true(fd >= 0);
    fflush(stderr);
    s_saved = dup(2);
    dup2(fd, 2);
    close(fd);
    log_set_prefix(false);
    return 0;
}

static int teardown(void **state)
{
    fflush(stderr);
    dup2(s_saved, 2);
    close(s_saved);
    unlink(s_path);
    return 0;
}

/* What was logged so far (a static buffer). */
static const char *s_logged(void)
{
    static char buf[8192];
    FILE *f = fopen(s_path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static int s_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_first_refusal_of_each_reason_is_logged(void **state)
{
    tally_t *t = tally_new("zap", 60000);
    for (int i = 0; i < 100; i++)
        tally_add(t, "unknown-key", "10.0.0.1", "key=K", 1000 + i);
    tally_add(t, "not-curve", "10.0.0.2", NULL, 2000);
    const char *log = s_logged();
    assert_int_equal(s_count(log, "zap: refused reason=unknown-key "
                                  "address=10.0.0.1 key=K"),
                     1);
    assert_int_equal(s_count(log, "zap: refused reason=not-curve"), 1);
    assert_int_equal(s_count(log, "\n"), 2);
    tally_destroy(&t);
}

static void test_the_rest_is_summed_up_when_the_interval_ends(void **state)
{
    tally_t *t = tally_new("zap", 60000);
    for (int i = 0; i < 50; i++)
        tally_add(t, "unknown-key", "10.0.0.1", NULL, 1000);
    for (int i = 0; i < 30; i++)
        tally_add(t, "unknown-key", "10.0.0.2", NULL, 1000);
    tally_add(t, "unknown-key", "10.0.0.3", NULL, 1000);
    assert_int_equal(tally_flush(t, 31000), 30000); /* 30 s to go */
    assert_int_equal(s_count(s_logged(), "refused more"), 0);
    assert_int_equal(tally_flush(t, 61000), -1);
    assert_non_null(strstr(s_logged(),
                           "zap: refused more count=80 "
                           "reasons=unknown-key:80 sources=3 "
                           "top=10.0.0.1:50,10.0.0.2:30,10.0.0.3:1 "
                           "seconds=60"));
    tally_destroy(&t);
}

static void test_nothing_more_to_sum_writes_no_line(void **state)
{
    tally_t *t = tally_new("guard", 60000);
    tally_add(t, "handshake-failed", NULL, NULL, 5);
    assert_int_equal(tally_flush(t, 60005), -1);
    assert_int_equal(s_count(s_logged(), "refused more"), 0);
    assert_int_equal(tally_flush(t, 70000), -1); /* nothing open */
    tally_destroy(&t);
}

static void test_a_new_interval_logs_its_first_again(void **state)
{
    tally_t *t = tally_new("zap", 1000);
    tally_add(t, "unknown-key", "a", NULL, 10);
    tally_add(t, "unknown-key", "a", NULL, 20);
    tally_flush(t, 1010);
    tally_add(t, "unknown-key", "a", NULL, 5000);
    assert_int_equal(s_count(s_logged(), "zap: refused reason=unknown-key"),
                     2);
    tally_destroy(&t);
}

static void test_totals_count_every_event_since_start(void **state)
{
    tally_t *t = tally_new("zap", 1000);
    for (int i = 0; i < 7; i++)
        tally_add(t, "unknown-key", "a", NULL, i * 400);
    for (int64_t now = 0; now < 4000; now += 100)
        tally_flush(t, now);
    tally_add(t, "not-curve", "b", NULL, 9000);
    assert_int_equal(tally_total(t, "unknown-key"), 7);
    assert_int_equal(tally_total(t, "not-curve"), 1);
    assert_int_equal(tally_total(t, "other"), 0);
    assert_string_equal(tally_reason(t, 0), "unknown-key");
    assert_string_equal(tally_reason(t, 1), "not-curve");
    assert_null(tally_reason(t, 2));
    tally_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_first_refusal_of_each_reason_is_logged, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_the_rest_is_summed_up_when_the_interval_ends, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_nothing_more_to_sum_writes_no_line, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_new_interval_logs_its_first_again, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_totals_count_every_event_since_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

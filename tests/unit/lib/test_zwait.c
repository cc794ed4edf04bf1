/*
 * Unit tests of zwait on real inproc PAIR sockets: a message that waits
 * before the first call is reported; one that comes while the socket is
 * remembered idle is reported (its mailbox wakes the poll), also when
 * the call is already blocking in another thread's absence (a bounded
 * wait that would time out if it were missed); two ready sockets are
 * both reported; a plain descriptor is reported; an item with no events
 * is left out; a timeout returns 0; a socket used and touched is asked
 * again; more sockets than zwait remembers still work.
 */
#include "zwait.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define S_PAIRS 10 /* more than ZWAIT_MAX */
#define S_BOUND 5000 /* ms: a wait that only ends this way has failed */

typedef struct {
    void *ctx;
    void *a[S_PAIRS]; /* polled */
    void *b[S_PAIRS]; /* their peers */
    zwait_t w;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->ctx = zmq_ctx_new();
    assert_non_null(f->ctx);
    for (int i = 0; i < S_PAIRS; i++) {
        char ep[64];
        snprintf(ep, sizeof ep, "inproc://zwait-%p-%d", (void *)f, i);
        f->a[i] = zmq_socket(f->ctx, ZMQ_PAIR);
        f->b[i] = zmq_socket(f->ctx, ZMQ_PAIR);
        assert_int_equal(zmq_bind(f->a[i], ep), 0);
        assert_int_equal(zmq_connect(f->b[i], ep), 0);
    }
    zwait_init(&f->w);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < S_PAIRS; i++) {
        zmq_close(f->a[i]);
        zmq_close(f->b[i]);
    }
    zmq_ctx_term(f->ctx);
    free(f);
    return 0;
}

static void s_send(void *sock, const char *text)
{
    assert_int_equal(zmq_send(sock, text, strlen(text), 0), (int)strlen(text));
}

static void s_recv(void *sock, const char *text)
{
    char buf[32] = {0};
    assert_int_equal(zmq_recv(sock, buf, sizeof buf - 1, ZMQ_DONTWAIT),
                     (int)strlen(text));
    assert_string_equal(buf, text);
}

/* Polls a[0..n-1] for input; returns the count, revents in items. */
static int s_poll(fixture_t *f, zmq_pollitem_t *items, int n, long timeout)
{
    for (int i = 0; i < n; i++)
        items[i] = (zmq_pollitem_t){f->a[i], 0, ZMQ_POLLIN, 0};
    return zwait_poll(&f->w, items, n, timeout);
}

static void test_a_waiting_message_is_reported(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[2];
    s_send(f->b[1], "one");
    assert_int_equal(s_poll(f, items, 2, S_BOUND), 1);
    assert_int_equal(items[0].revents, 0);
    assert_int_equal(items[1].revents, ZMQ_POLLIN);
    s_recv(f->a[1], "one");
}

static void test_a_message_to_an_idle_socket_is_reported(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[2];
    assert_int_equal(s_poll(f, items, 2, 0), 0); /* both idle now */
    assert_int_equal(s_poll(f, items, 2, 0), 0);
    s_send(f->b[0], "two");
    assert_int_equal(s_poll(f, items, 2, S_BOUND), 1);
    assert_int_equal(items[0].revents, ZMQ_POLLIN);
    s_recv(f->a[0], "two");
    /* Reported, so asked again: nothing more. */
    assert_int_equal(s_poll(f, items, 2, 0), 0);
    /* And again a message, the second on that pipe. */
    s_send(f->b[0], "three");
    assert_int_equal(s_poll(f, items, 2, S_BOUND), 1);
    s_recv(f->a[0], "three");
}

static void *s_later(void *arg)
{
    s_send(arg, "late");
    return NULL;
}

static void test_a_blocked_call_wakes_for_a_message(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[2];
    assert_int_equal(s_poll(f, items, 2, 0), 0);
    /* b[1] is only used by that thread until it is joined. */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, s_later, f->b[1]), 0);
    int rc = s_poll(f, items, 2, S_BOUND);
    pthread_join(t, NULL);
    assert_int_equal(rc, 1);
    assert_int_equal(items[1].revents, ZMQ_POLLIN);
    s_recv(f->a[1], "late");
}

static void test_two_ready_sockets_are_both_reported(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[3];
    assert_int_equal(s_poll(f, items, 3, 0), 0);
    s_send(f->b[0], "x");
    s_send(f->b[2], "y");
    /* Both sends are done (inproc: the message and the wake are queued
     * when zmq_send returns), so one call sees both. */
    assert_int_equal(s_poll(f, items, 3, S_BOUND), 2);
    assert_int_equal(items[0].revents, ZMQ_POLLIN);
    assert_int_equal(items[2].revents, ZMQ_POLLIN);
    assert_int_equal(items[1].revents, 0);
    s_recv(f->a[0], "x");
    s_recv(f->a[2], "y");
}

static void test_a_plain_descriptor_is_reported(void **state)
{
    fixture_t *f = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    zmq_pollitem_t items[2] = {{f->a[0], 0, ZMQ_POLLIN, 0},
                               {NULL, p[0], ZMQ_POLLIN, 0}};
    assert_int_equal(zwait_poll(&f->w, items, 2, 0), 0);
    assert_int_equal(write(p[1], "z", 1), 1);
    assert_int_equal(zwait_poll(&f->w, items, 2, S_BOUND), 1);
    assert_int_equal(items[1].revents, ZMQ_POLLIN);
    /* A socket ready and the descriptor too: both in one call. */
    s_send(f->b[0], "both");
    items[0].revents = items[1].revents = 0;
    assert_int_equal(zwait_poll(&f->w, items, 2, S_BOUND), 2);
    s_recv(f->a[0], "both");
    close(p[0]);
    close(p[1]);
}

static void test_an_item_without_events_is_left_out(void **state)
{
    fixture_t *f = *state;
    s_send(f->b[0], "held");
    zmq_pollitem_t items[1] = {{f->a[0], 0, 0, 0}};
    assert_int_equal(zwait_poll(&f->w, items, 1, 0), 0);
    assert_int_equal(items[0].revents, 0);
    items[0].events = ZMQ_POLLIN;
    assert_int_equal(zwait_poll(&f->w, items, 1, S_BOUND), 1);
    s_recv(f->a[0], "held");
}

static void test_a_timeout_returns_nothing(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[2];
    assert_int_equal(s_poll(f, items, 2, 20), 0);
    assert_int_equal(items[0].revents | items[1].revents, 0);
}

static void test_a_used_socket_touched_is_asked_again(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[1];
    assert_int_equal(s_poll(f, items, 1, 0), 0); /* a[0] idle */
    s_send(f->b[0], "in");
    /* Used although not reported: its send may take in the signal of
     * "in". Touched, so asked again. */
    s_send(f->a[0], "out");
    zwait_touch(&f->w, f->a[0]);
    assert_int_equal(s_poll(f, items, 1, S_BOUND), 1);
    s_recv(f->a[0], "in");
    s_recv(f->b[0], "out");
    zwait_touch_all(&f->w);
    assert_int_equal(s_poll(f, items, 1, 0), 0);
}

static void test_more_sockets_than_remembered_still_work(void **state)
{
    fixture_t *f = *state;
    zmq_pollitem_t items[S_PAIRS];
    assert_int_equal(s_poll(f, items, S_PAIRS, 0), 0);
    s_send(f->b[S_PAIRS - 1], "last");
    assert_int_equal(s_poll(f, items, S_PAIRS, S_BOUND), 1);
    assert_int_equal(items[S_PAIRS - 1].revents, ZMQ_POLLIN);
    s_recv(f->a[S_PAIRS - 1], "last");
    assert_int_equal(s_poll(f, items, S_PAIRS, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_waiting_message_is_reported,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_message_to_an_idle_socket_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_blocked_call_wakes_for_a_message, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_two_ready_sockets_are_both_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_plain_descriptor_is_reported,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_an_item_without_events_is_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_timeout_returns_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_used_socket_touched_is_asked_again, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_more_sockets_than_remembered_still_work, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

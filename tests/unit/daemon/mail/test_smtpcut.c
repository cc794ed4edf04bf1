/*
 * Unit tests of smtpcut on real TCP connections on loopback: the one
 * connection to a port is found and kept, shut down when the cut fires
 * (a read on it ends at once), also when the cut fired before it was
 * made; two connections to the port, or none, are not taken for it; a
 * release closes the cut's own descriptor and leaves the connection
 * itself alone.
 */
#include "mail/smtpcut.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
    int listener; /* on 127.0.0.1:port */
    int port;
    smtpcut_t *cut;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    f->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(f->listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->listener, 8), 0);
    assert_int_equal(getsockname(f->listener, (struct sockaddr *)&a, &n), 0);
    f->port = ntohs(a.sin_port);
    f->cut = smtpcut_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    smtpcut_destroy(&f->cut);
    assert_null(f->cut);
    smtpcut_destroy(&f->cut); /* accepts NULL */
    close(f->listener);
    free(f);
    return 0;
}

/* A client connected to the listener (its accepted end in *peer). */
static int s_connect(fixture_t *f, int *peer)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)f->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    *peer = accept(f->listener, NULL, NULL);
    assert_true(*peer >= 0);
    return fd;
}

/* Whether a read on fd ends within ms (data, EOF or an error). */
static bool s_read_ends(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1)
        return false;
    char c;
    return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

static void test_the_one_connection_is_cut_when_fired(void **state)
{
    fixture_t *f = *state;
    int peer, fd = s_connect(f, &peer);
    assert_true(smtpcut_connected(f->cut, f->port));
    assert_false(smtpcut_fired(f->cut));
    assert_false(s_read_ends(fd, 50)); /* a silent server: it waits */
    smtpcut_fire(f->cut);
    assert_true(smtpcut_fired(f->cut));
    assert_true(s_read_ends(fd, 1000));
    assert_true(s_read_ends(peer, 1000)); /* the server sees it end */
    close(fd);
    close(peer);
}

static void test_a_cut_that_fired_cuts_a_later_connection(void **state)
{
    fixture_t *f = *state;
    smtpcut_fire(f->cut);
    int peer, fd = s_connect(f, &peer);
    assert_true(smtpcut_connected(f->cut, f->port));
    assert_true(s_read_ends(fd, 1000));
    close(fd);
    close(peer);
}

static void test_two_connections_to_the_port_are_not_taken(void **state)
{
    fixture_t *f = *state;
    int p1, p2, a = s_connect(f, &p1), b = s_connect(f, &p2);
    assert_false(smtpcut_connected(f->cut, f->port));
    smtpcut_fire(f->cut); /* touches neither */
    assert_false(s_read_ends(a, 50));
    assert_false(s_read_ends(b, 50));
    close(a);
    close(b);
    close(p1);
    close(p2);
}

static void test_no_connection_to_the_port_is_none(void **state)
{
    fixture_t *f = *state;
    assert_false(smtpcut_connected(f->cut, f->port)); /* the listener */
    assert_false(smtpcut_connected(f->cut, 1));
}

static void test_release_closes_only_its_own_descriptor(void **state)
{
    fixture_t *f = *state;
    int peer, fd = s_connect(f, &peer);
    assert_true(smtpcut_connected(f->cut, f->port));
    smtpcut_release(f->cut);
    smtpcut_fire(f->cut); /* after the release: nothing to cut */
    assert_false(s_read_ends(fd, 50));
    assert_int_equal(send(fd, "x", 1, 0), 1); /* still connected */
    close(fd);
    close(peer);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_the_one_connection_is_cut_when_fired),
        T(test_a_cut_that_fired_cuts_a_later_connection),
        T(test_two_connections_to_the_port_are_not_taken),
        T(test_no_connection_to_the_port_is_none),
        T(test_release_closes_only_its_own_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

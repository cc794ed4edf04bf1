/*
 * Unit tests of adapter: option checks (one test per rejected option),
 * the classification of replies, and the Lazy Pirate loop against a stub
 * RRP/1 server in a thread of this process (a CURVE ROUTER on loopback
 * that answers by a script), so no daemon is needed.
 */
#include "adapter.h"
#include "keys.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#define Z85_SAMPLE "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

static void s_valid_opts(adapter_opts_t *o)
{
    adapter_opts_init(o);
    o->endpoint = "tcp://127.0.0.1:5710";
    o->server_key = Z85_SAMPLE;
    o->server_key_file = NULL;
    o->key_file = "/nonexistent/vt.key";
}

static void test_opts_defaults(void **state)
{
    unsetenv("REGIE_ENDPOINT");
    unsetenv("REGIE_SERVER_KEY");
    setenv("REGIE_KEY", "", 1);
    adapter_opts_t o;
    adapter_opts_init(&o);
    assert_string_equal(o.endpoint, ADAPTER_DEFAULT_ENDPOINT);
    assert_null(o.server_key_file);
    assert_null(o.key_file); /* empty means unset */
    assert_int_equal(o.timeout_ms, 5000);
    assert_int_equal(o.attempts, 5);
    setenv("REGIE_ENDPOINT", "ipc:///run/regie/intake", 1);
    setenv("REGIE_SERVER_KEY", "/etc/regie/server.pub", 1);
    setenv("REGIE_KEY", "vt.key", 1);
    adapter_opts_init(&o);
    assert_string_equal(o.endpoint, "ipc:///run/regie/intake");
    assert_string_equal(o.server_key_file, "/etc/regie/server.pub");
    assert_string_equal(o.key_file, "vt.key");
    unsetenv("REGIE_ENDPOINT");
    unsetenv("REGIE_SERVER_KEY");
    unsetenv("REGIE_KEY");
}

static void test_opts_valid(void **state)
{
    adapter_opts_t o;
    char err[256] = "";
    s_valid_opts(&o);
    assert_int_equal(adapter_opts_check(&o, err, sizeof err), 0);
    o.endpoint = "ipc:///tmp/regie.sock";
    o.backoff_ms = 0;
    o.attempts = 1;
    assert_int_equal(adapter_opts_check(&o, err, sizeof err), 0);
}

/* One rejected option: what to change and a word the error must hold. */
typedef struct {
    const char *name;
    void (*spoil)(adapter_opts_t *o);
    const char *word;
} s_bad_t;

#define A20 "aaaaaaaaaaaaaaaaaaaa"
#define BAD_OPTS(X)                                                          \
    X(no_endpoint, o->endpoint = "", "endpoint")                             \
    X(http_endpoint, o->endpoint = "http://x:1", "tcp://HOST:PORT")          \
    X(no_port, o->endpoint = "tcp://host", "tcp://HOST:PORT")                \
    X(port_range, o->endpoint = "tcp://h:70000", "tcp://HOST:PORT")          \
    X(no_host, o->endpoint = "tcp://:5710", "tcp://HOST:PORT")               \
    X(empty_ipc, o->endpoint = "ipc://", "ipc path")                         \
    X(long_ipc, o->endpoint = "ipc:///" A20 A20 A20 A20 A20 A20, "ipc path") \
    X(no_server_key, o->server_key = NULL, "server's public key")            \
    X(two_server_keys, o->server_key_file = "x", "once")                     \
    X(bad_server_key, o->server_key = "short", "Z85")                        \
    X(no_key_file, o->key_file = NULL, "secret key")                         \
    X(timeout_zero, o->timeout_ms = 0, "timeout 0")                          \
    X(attempts_zero, o->attempts = 0, "attempts 0")                          \
    X(attempts_too_many, o->attempts = 1001, "attempts 1001")                \
    X(backoff_negative, o->backoff_ms = -1, "backoff -1")                    \
    X(backoff_max_negative, o->backoff_max_ms = -5, "backoff maximum -5")

#define SPOIL_FN(name, change, word)                                         \
    static void s_##name(adapter_opts_t *o) { change; }
#define SPOIL_ROW(name, change, word) {"opts_" #name, s_##name, word},
BAD_OPTS(SPOIL_FN)
static const s_bad_t s_bad[] = {BAD_OPTS(SPOIL_ROW)};

static void test_opts_bad(void **state)
{
    const s_bad_t *bad = *state;
    adapter_opts_t o;
    char err[256] = "";
    s_valid_opts(&o);
    bad->spoil(&o);
    assert_int_equal(adapter_opts_check(&o, err, sizeof err), -1);
    if (!strstr(err, bad->word))
        fail_msg("error \"%s\" lacks \"%s\"", err, bad->word);
    assert_null(adapter_new(&o, err, sizeof err));
}

static void test_new_missing_key_file(void **state)
{
    adapter_opts_t o;
    char err[256] = "";
    s_valid_opts(&o);
    assert_null(adapter_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/vt.key"));
}

static adapter_status_t s_classify(const char *status, const char *body,
                                   adapter_result_t *r)
{
    memset(r, 0, sizeof *r);
    return adapter_classify(status, body, strlen(body), r);
}

static void test_classify_ack(void **state)
{
    adapter_result_t r;
    assert_int_equal(s_classify("ACK", "{\"status\":\"duplicate\"}", &r),
                     ADAPTER_ACK);
    assert_string_equal(r.word, "ACK");
    assert_string_equal(json_string_value(json_object_get(r.reply,
                                                          "status")),
                        "duplicate");
    assert_null(r.reason);
    adapter_result_clear(&r);
    assert_int_equal(s_classify("PONG", "{\"version\":\"1\"}", &r),
                     ADAPTER_ACK);
    assert_string_equal(r.word, "PONG");
    assert_string_equal(adapter_status_name(r.status), "ACK");
    adapter_result_clear(&r);
}

static void test_classify_refused(void **state)
{
    adapter_result_t r;
    assert_int_equal(
        s_classify("NACK", "{\"error\":\"invalid_bsn\",\"message\":"
                   "\"subject.bsn fails the elfproef\",\"field\":"
                   "\"/subject/bsn\",\"retry\":false}", &r),
        ADAPTER_REFUSED);
    assert_string_equal(r.error, "invalid_bsn");
    assert_string_equal(r.field, "/subject/bsn");
    assert_string_equal(r.reason, "invalid_bsn: subject.bsn fails the "
                        "elfproef (field /subject/bsn)");
    adapter_result_clear(&r);
    assert_int_equal(s_classify("NACK", "{\"error\":\"conflict\",\"field\":"
                                "null,\"retry\":false}", &r),
                     ADAPTER_REFUSED);
    assert_null(r.field);
    assert_string_equal(r.reason, "conflict");
    assert_string_equal(adapter_status_name(r.status), "REFUSED");
    adapter_result_clear(&r);
}

static void test_classify_temporary(void **state)
{
    adapter_result_t r;
    assert_int_equal(s_classify("NACK", "{\"error\":\"unavailable\","
                                "\"message\":\"disk full\",\"retry\":true}",
                                &r),
                     ADAPTER_TEMPORARY);
    assert_string_equal(r.reason, "unavailable: disk full");
    assert_non_null(r.reply);
    assert_string_equal(adapter_status_name(r.status), "TEMPORARY");
    adapter_result_clear(&r);
    /* retry must be a boolean; a string is not false */
    assert_int_equal(s_classify("NACK", "{\"error\":\"x\",\"retry\":"
                                "\"false\"}", &r),
                     ADAPTER_TEMPORARY);
    assert_non_null(strstr(r.reason, "no boolean retry"));
    adapter_result_clear(&r);
    assert_int_equal(s_classify("NACK", "{\"error\":\"x\"}", &r),
                     ADAPTER_TEMPORARY);
    adapter_result_clear(&r);
}

static void test_classify_malformed(void **state)
{
    static const char *const cases[][2] = {
        {"ACK", "not json"},        {"ACK", "[1,2]"},
        {"NACK", ""},               {"ACK", "{\"a\":1,\"a\":2}"},
        {"OK", "{}"},               {"ack", "{}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        adapter_result_t r;
        assert_int_equal(s_classify(cases[i][0], cases[i][1], &r),
                         ADAPTER_TEMPORARY);
        assert_null(r.reply);
        assert_non_null(strstr(r.reason, "malformed reply"));
        adapter_result_clear(&r);
    }
}

#define STUB_MAX 8

/* A CURVE ROUTER in a thread. Script: one letter per request (the last
 * repeats): a ACK, n NACK retry:false, r NACK retry:true, s silence,
 * t ACK with another correlation id, m three frames, p PONG. */
typedef struct {
    void *ctx, *sock;
    char endpoint[64];
    char server_pub[KEYS_Z85_LEN + 1];
    const char *script;
    volatile int stop;
    atomic_int seen; /* requests received (read by other threads) */
    char body[STUB_MAX][256];
    char corr[STUB_MAX][256];
    pthread_t thread;
} stub_t;

static void s_stub_reply(stub_t *st, zmq_msg_t *id, const char *status,
                         const char *corr, const char *body, int frames)
{
    zmq_msg_send(id, st->sock, ZMQ_SNDMORE);
    zmq_send(st->sock, "", 0, ZMQ_SNDMORE);
    zmq_send(st->sock, "RRP1", 4, ZMQ_SNDMORE);
    zmq_send(st->sock, status, strlen(status), ZMQ_SNDMORE);
    zmq_send(st->sock, corr, strlen(corr), frames == 4 ? ZMQ_SNDMORE : 0);
    if (frames == 4)
        zmq_send(st->sock, body, strlen(body), 0);
}

/* Receives one request (identity, delimiter, 4 frames) and answers it. */
static void s_stub_serve(stub_t *st)
{
    zmq_msg_t id;
    zmq_msg_init(&id);
    zmq_msg_recv(&id, st->sock, 0);
    char f[6][256];
    int more = 1;
    size_t sz = sizeof more;
    for (int n = 0; more && n < 6; n++) {
        int len = zmq_recv(st->sock, f[n], sizeof f[n] - 1, 0);
        f[n][len < 0 ? 0 : len > 255 ? 255 : len] = '\0';
        zmq_getsockopt(st->sock, ZMQ_RCVMORE, &more, &sz);
    }
    size_t len = strlen(st->script);
    char act = st->script[st->seen < (int)len ? st->seen : (int)len - 1];
    if (st->seen < STUB_MAX) {
        snprintf(st->corr[st->seen], sizeof st->corr[0], "%s", f[3]);
        snprintf(st->body[st->seen], sizeof st->body[0], "%s", f[4]);
    }
    st->seen++;
    const char *ack = "{\"status\":\"accepted\",\"referral\":\"R-1\"}";
    if (act == 'a')
        s_stub_reply(st, &id, "ACK", f[3], ack, 4);
    else if (act == 'p')
        s_stub_reply(st, &id, "PONG", f[3], "{\"version\":\"t\"}", 4);
    else if (act == 'n')
        s_stub_reply(st, &id, "NACK", f[3], "{\"error\":\"invalid_bsn\","
                     "\"message\":\"m\",\"field\":\"/subject/bsn\","
                     "\"retry\":false}", 4);
    else if (act == 'r')
        s_stub_reply(st, &id, "NACK", f[3], "{\"error\":\"unavailable\","
                     "\"message\":\"busy\",\"retry\":true}", 4);
    else if (act == 't')
        s_stub_reply(st, &id, "ACK", "someone-else", ack, 4);
    else if (act == 'm')
        s_stub_reply(st, &id, "ACK", f[3], NULL, 3);
    zmq_msg_close(&id);
}

static void *s_stub_run(void *arg)
{
    stub_t *st = arg;
    zmq_pollitem_t item = {st->sock, 0, ZMQ_POLLIN, 0};
    while (!st->stop)
        if (zmq_poll(&item, 1, 20) > 0)
            s_stub_serve(st);
    return NULL;
}

/* Starts a stub. Without a ZAP handler a CURVE server takes any client
 * key (TRAPS.md): good enough here, where the client is under test. */
static stub_t *s_stub_start(const char *script)
{
    stub_t *st = calloc(1, sizeof *st);
    char sec[KEYS_Z85_LEN + 1];
    assert_int_equal(zmq_curve_keypair(st->server_pub, sec), 0);
    st->ctx = zmq_ctx_new();
    st->sock = zmq_socket(st->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    size_t sz = sizeof st->endpoint;
    assert_false(zmq_setsockopt(st->sock, ZMQ_CURVE_SERVER, &one, 4) ||
                 zmq_setsockopt(st->sock, ZMQ_CURVE_SECRETKEY, sec, 41) ||
                 zmq_setsockopt(st->sock, ZMQ_LINGER, &zero, 4) ||
                 zmq_bind(st->sock, "tcp://127.0.0.1:*") ||
                 zmq_getsockopt(st->sock, ZMQ_LAST_ENDPOINT, st->endpoint,
                                &sz));
    st->script = script;
    assert_int_equal(pthread_create(&st->thread, NULL, s_stub_run, st), 0);
    return st;
}

/* Stops the stub's thread and closes it; what it saw stays readable
 * until the caller frees st. */
static void s_stub_stop(stub_t *st)
{
    st->stop = 1;
    pthread_join(st->thread, NULL);
    zmq_close(st->sock);
    zmq_ctx_term(st->ctx);
}

static char s_dir[64];      /* a temporary folder with the client keys */
static char s_key_path[96]; /* the client's secret key file in it */

static int s_setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/test_adapter.XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    char base[80];
    snprintf(base, sizeof base, "%s/vt", s_dir);
    snprintf(s_key_path, sizeof s_key_path, "%s.key", base);
    return keys_write_curve(base, 0);
}

static int s_teardown(void **state)
{
    char path[96];
    unlink(s_key_path);
    snprintf(path, sizeof path, "%s/vt.pub", s_dir);
    unlink(path);
    return rmdir(s_dir);
}

/* An adapter for st (NULL: a port where nothing listens). */
static adapter_t *s_adapter(const stub_t *st, int timeout_ms, int attempts)
{
    adapter_opts_t o;
    adapter_opts_init(&o);
    o.endpoint = st ? st->endpoint : "tcp://127.0.0.1:1";
    o.server_key = st ? st->server_pub : Z85_SAMPLE;
    o.server_key_file = NULL;
    o.key_file = s_key_path;
    o.timeout_ms = timeout_ms;
    o.attempts = attempts;
    o.backoff_ms = 10;
    o.backoff_max_ms = 20;
    char err[256];
    adapter_t *a = adapter_new(&o, err, sizeof err);
    if (!a)
        fail_msg("adapter_new: %s", err);
    return a;
}

#define BODY "{\"external_id\":\"VT-1\"}"

/* Sends command (BODY, or nothing for a PING) to a new stub with script
 * and stops the stub; fills r and *st (freed by the caller). */
static adapter_status_t s_post(const char *script, const char *command,
                               int timeout_ms, int attempts,
                               adapter_result_t *r, stub_t **st)
{
    *st = s_stub_start(script);
    adapter_t *a = s_adapter(*st, timeout_ms, attempts);
    const char *body = strcmp(command, "PING") ? BODY : "";
    adapter_status_t rc = adapter_send(a, command, body, strlen(body), r);
    adapter_destroy(&a);
    assert_null(a);
    s_stub_stop(*st);
    return rc;
}

/* s_post of a REFERRAL into the test's r and st. */
#define POST(script, timeout_ms, attempts)                                   \
    s_post(script, "REFERRAL", timeout_ms, attempts, &r, &st)

static void test_send_ack(void **state)
{
    stub_t *st = s_stub_start("a");
    adapter_t *a = s_adapter(st, 2000, 3);
    adapter_result_t r;
    assert_int_equal(adapter_send(a, "REFERRAL", BODY, strlen(BODY), &r),
                     ADAPTER_ACK);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.word, "ACK");
    assert_int_equal(strlen(r.corr), ADAPTER_CORR_LEN);
    char first[ADAPTER_CORR_LEN + 1];
    memcpy(first, r.corr, sizeof first);
    adapter_result_clear(&r);
    /* a second request on the same connection gets its own id */
    assert_int_equal(adapter_send(a, "REPORT", "{}", 2, &r), ADAPTER_ACK);
    assert_string_not_equal(r.corr, first);
    adapter_result_clear(&r);
    adapter_destroy(&a);
    s_stub_stop(st);
    assert_int_equal(st->seen, 2);
    assert_string_equal(st->body[0], BODY);
    assert_string_equal(st->corr[0], first);
    assert_string_equal(st->body[1], "{}");
    free(st);
}

static void test_send_refused(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(POST("n", 2000, 3), ADAPTER_REFUSED);
    assert_int_equal(st->seen, 1);
    assert_string_equal(r.error, "invalid_bsn");
    assert_string_equal(r.reason, "invalid_bsn: m (field /subject/bsn)");
    adapter_result_clear(&r);
    free(st);
}

static void test_send_resends_after_silence(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(POST("sa", 500, 3), ADAPTER_ACK);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(st->seen, 2);
    assert_string_equal(st->body[0], st->body[1]);
    assert_string_equal(st->corr[0], st->corr[1]);
    adapter_result_clear(&r);
    free(st);
}

static void test_send_gives_up(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(POST("s", 300, 3), ADAPTER_TEMPORARY);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(st->seen, 3);
    assert_string_equal(st->body[2], BODY);
    assert_non_null(strstr(r.reason, "no reply from"));
    assert_non_null(strstr(r.reason, "gave up after 3 attempts"));
    assert_false(r.stopped);
    adapter_result_clear(&r);
    free(st);
}

static void test_send_retries_nack_retry(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(POST("rra", 2000, 3), ADAPTER_ACK);
    assert_int_equal(r.attempts, 3);
    adapter_result_clear(&r);
    free(st);
    assert_int_equal(POST("r", 2000, 2), ADAPTER_TEMPORARY);
    assert_string_equal(r.error, "unavailable");
    assert_non_null(strstr(r.reason, "busy (gave up after 2 attempts)"));
    adapter_result_clear(&r);
    free(st);
}

static void test_send_ignores_stale(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(POST("ta", 2000, 3), ADAPTER_ACK);
    assert_int_equal(r.attempts, 2);
    adapter_result_clear(&r);
    free(st);
}

static void test_send_malformed(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(POST("ma", 2000, 3), ADAPTER_TEMPORARY);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.reason, "malformed reply: 3 frames, not 4");
    adapter_result_clear(&r);
    free(st);
    /* an ACK to a PING is no answer either */
    assert_int_equal(s_post("a", "PING", 2000, 3, &r, &st),
                     ADAPTER_TEMPORARY);
    assert_string_equal(r.reason, "malformed reply: ACK to PING");
    adapter_result_clear(&r);
    free(st);
}

static void test_send_ping(void **state)
{
    stub_t *st;
    adapter_result_t r;
    assert_int_equal(s_post("p", "PING", 2000, 1, &r, &st), ADAPTER_ACK);
    assert_string_equal(r.word, "PONG");
    assert_string_equal(st->body[0], "");
    adapter_result_clear(&r);
    free(st);
}

static void test_send_no_server(void **state)
{
    adapter_t *a = s_adapter(NULL, 100, 2);
    adapter_result_t r;
    assert_int_equal(adapter_send(a, "REFERRAL", BODY, strlen(BODY), &r),
                     ADAPTER_TEMPORARY);
    assert_int_equal(r.attempts, 2);
    assert_non_null(strstr(r.reason, "cannot connect to tcp://127.0.0.1:1"));
    adapter_result_clear(&r);
    adapter_destroy(&a);
}

static void test_send_too_large(void **state)
{
    adapter_t *a = s_adapter(NULL, 100, 2);
    static char body[ADAPTER_MAX_BODY + 1];
    adapter_result_t r;
    assert_int_equal(adapter_send(a, "REFERRAL", body, sizeof body, &r),
                     ADAPTER_REFUSED);
    assert_true(r.local);
    assert_int_equal(r.attempts, 0);
    assert_string_equal(r.error, "too_large");
    adapter_result_clear(&r);
    adapter_destroy(&a);
}

typedef struct {
    adapter_t *a;
    stub_t *st;
} s_stopper_t;

/* Stops the adapter once the stub has the request, so that the stop
 * lands while adapter_send waits for the answer (waits at most 10 s). */
static void *s_stop_when_sent(void *arg)
{
    s_stopper_t *s = arg;
    for (int i = 0; i < 10000 && atomic_load(&s->st->seen) < 1; i++)
        usleep(1000);
    adapter_stop(s->a);
    return NULL;
}

static void test_stop(void **state)
{
    stub_t *st = s_stub_start("s");
    adapter_t *a = s_adapter(st, 10000, 5);
    pthread_t t;
    s_stopper_t stopper = {a, st};
    assert_int_equal(pthread_create(&t, NULL, s_stop_when_sent, &stopper),
                     0);
    adapter_result_t r;
    time_t start = time(NULL);
    assert_int_equal(adapter_send(a, "REFERRAL", BODY, strlen(BODY), &r),
                     ADAPTER_TEMPORARY);
    assert_true(time(NULL) - start < 5);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&st->seen), 1);
    assert_true(r.stopped);
    assert_true(adapter_stopped(a));
    assert_non_null(strstr(r.reason, "stopped while waiting"));
    adapter_result_clear(&r);
    /* and every later send stops at once */
    assert_int_equal(adapter_send(a, "PING", NULL, 0, &r), ADAPTER_TEMPORARY);
    assert_true(r.stopped);
    adapter_result_clear(&r);
    adapter_destroy(&a);
    s_stub_stop(st);
    free(st);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_opts_defaults),
        cmocka_unit_test(test_opts_valid),
        cmocka_unit_test(test_new_missing_key_file),
        cmocka_unit_test(test_classify_ack),
        cmocka_unit_test(test_classify_refused),
        cmocka_unit_test(test_classify_temporary),
        cmocka_unit_test(test_classify_malformed),
        cmocka_unit_test(test_send_ack),
        cmocka_unit_test(test_send_refused),
        cmocka_unit_test(test_send_resends_after_silence),
        cmocka_unit_test(test_send_gives_up),
        cmocka_unit_test(test_send_retries_nack_retry),
        cmocka_unit_test(test_send_ignores_stale),
        cmocka_unit_test(test_send_malformed),
        cmocka_unit_test(test_send_ping),
        cmocka_unit_test(test_send_no_server),
        cmocka_unit_test(test_send_too_large),
        cmocka_unit_test(test_stop),
    };
    size_t nfixed = sizeof fixed / sizeof *fixed;
    size_t nbad = sizeof s_bad / sizeof *s_bad;
    struct CMUnitTest *tests = calloc(nfixed + nbad, sizeof *tests);
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < nbad; i++) {
        tests[nfixed + i].name = s_bad[i].name;
        tests[nfixed + i].test_func = test_opts_bad;
        tests[nfixed + i].initial_state = (void *)&s_bad[i];
    }
    int rc = _cmocka_run_group_tests("adapter", tests, nfixed + nbad,
                                     s_setup, s_teardown);
    free(tests);
    return rc;
}

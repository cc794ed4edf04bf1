/*
 * adapter — the RRP/1 client of the partner adapters: options, the Lazy
 * Pirate loop (zguide, chapter 4) over a conn_t, and the classification of
 * replies. Owns a ZeroMQ context, the current connection, the keys, and a
 * self-pipe that adapter_stop writes to so that every wait wakes at once.
 * One thread (adapter_stop excepted).
 */
#include "adapter.h"

#include "conn.h"
#include "keys.h"
#include "log.h"
#include "xmem.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_IPC_PATH_MAX 107 /* sun_path minus the NUL */

struct adapter {
    void *ctx;           /* ZeroMQ context, ours */
    conn_t *conn;        /* the connection; NULL until needed, after loss */
    char *endpoint;      /* where regied listens */
    char server_key[KEYS_Z85_LEN + 1]; /* the daemon's public key */
    char public_key[KEYS_Z85_LEN + 1]; /* ours, derived from the secret */
    char secret_key[KEYS_Z85_LEN + 1]; /* ours; wiped at destroy */
    int timeout_ms;      /* one attempt */
    int attempts;        /* sends of one request */
    int backoff_ms;      /* first wait between attempts */
    int backoff_max_ms;  /* longest wait between attempts */
    int wake[2];         /* self-pipe: adapter_stop writes to wake[1] */
    volatile sig_atomic_t stopping; /* adapter_stop was called */
};

/* What became of one attempt. */
enum { S_FINAL, S_RETRY };

/* Replaces r->reason with a formatted sentence. */
__attribute__((format(printf, 2, 3))) static void
s_reason(adapter_result_t *r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(r->reason);
    r->reason = xstrdup(buf);
}

/* Forgets the reply of an earlier attempt. */
static void s_forget_reply(adapter_result_t *r)
{
    json_decref(r->reply);
    r->reply = NULL;
    r->error = r->message = r->field = NULL;
    r->word[0] = '\0';
}

void adapter_opts_init(adapter_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->endpoint = ADAPTER_DEFAULT_ENDPOINT;
    opts->timeout_ms = ADAPTER_DEFAULT_TIMEOUT_MS;
    opts->attempts = ADAPTER_DEFAULT_ATTEMPTS;
    opts->backoff_ms = ADAPTER_DEFAULT_BACKOFF_MS;
    opts->backoff_max_ms = ADAPTER_DEFAULT_BACKOFF_MAX_MS;
    const char *v;
    if ((v = getenv("REGIE_ENDPOINT")) && *v)
        opts->endpoint = v;
    if ((v = getenv("REGIE_SERVER_KEY")) && *v)
        opts->server_key_file = v;
    if ((v = getenv("REGIE_KEY")) && *v)
        opts->key_file = v;
}

/* Checks tcp://HOST:PORT (PORT 1..65535) and ipc://PATH. */
static int s_check_endpoint(const char *ep, char *err, size_t errlen)
{
    if (!ep || !*ep) {
        snprintf(err, errlen, "no endpoint given");
        return -1;
    }
    if (strncmp(ep, "ipc://", 6) == 0) {
        size_t n = strlen(ep + 6);
        if (n > 0 && n <= S_IPC_PATH_MAX)
            return 0;
        snprintf(err, errlen, "endpoint %s: the ipc path must be 1 to %d "
                 "bytes", ep, S_IPC_PATH_MAX);
        return -1;
    }
    if (strncmp(ep, "tcp://", 6) == 0) {
        const char *colon = strrchr(ep + 6, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (colon && colon > ep + 6 && end != colon + 1 && *end == '\0' &&
            port >= 1 && port <= 65535)
            return 0;
    }
    snprintf(err, errlen, "endpoint %s: use tcp://HOST:PORT or ipc://PATH",
             ep);
    return -1;
}

/* Checks that min <= value <= max. */
static int s_check_range(const char *name, int value, int min, int max,
                         char *err, size_t errlen)
{
    if (value >= min && value <= max)
        return 0;
    snprintf(err, errlen, "%s %d: must be %d to %d", name, value, min, max);
    return -1;
}

int adapter_opts_check(const adapter_opts_t *o, char *err, size_t errlen)
{
    if (s_check_endpoint(o->endpoint, err, errlen) < 0)
        return -1;
    if (!o->server_key == !o->server_key_file) {
        snprintf(err, errlen, "give the server's public key%s",
                 o->server_key ? " once, as text or as a file"
                               : " (the daemon's .pub file)");
        return -1;
    }
    if (o->server_key && !keys_z85_valid(o->server_key)) {
        snprintf(err, errlen, "server key: not a Z85 CURVE key "
                 "(40 characters)");
        return -1;
    }
    if (!o->key_file || !*o->key_file) {
        snprintf(err, errlen, "give this partner's secret key file (.key)");
        return -1;
    }
    if (s_check_range("timeout", o->timeout_ms, 1, ADAPTER_MAX_MS, err,
                      errlen) < 0 ||
        s_check_range("attempts", o->attempts, 1, ADAPTER_MAX_ATTEMPTS, err,
                      errlen) < 0 ||
        s_check_range("backoff", o->backoff_ms, 0, ADAPTER_MAX_MS, err,
                      errlen) < 0 ||
        s_check_range("backoff maximum", o->backoff_max_ms, 0,
                      ADAPTER_MAX_MS, err, errlen) < 0)
        return -1;
    return 0;
}

/* Reads the keys named in opts into self. */
static int s_read_keys(adapter_t *self, const adapter_opts_t *o, char *err,
                       size_t errlen)
{
    if (o->server_key)
        memcpy(self->server_key, o->server_key, KEYS_Z85_LEN + 1);
    else if (keys_read_z85(o->server_key_file, self->server_key, err,
                           errlen) < 0)
        return -1;
    return keys_read_secret(o->key_file, self->public_key, self->secret_key,
                            err, errlen);
}

adapter_t *adapter_new(const adapter_opts_t *o, char *err, size_t errlen)
{
    if (adapter_opts_check(o, err, errlen) < 0)
        return NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "cannot initialise libsodium");
        return NULL;
    }
    adapter_t *self = xcalloc(1, sizeof *self);
    self->wake[0] = self->wake[1] = -1;
    self->endpoint = xstrdup(o->endpoint);
    self->timeout_ms = o->timeout_ms;
    self->attempts = o->attempts;
    self->backoff_ms = o->backoff_ms;
    self->backoff_max_ms = o->backoff_max_ms;
    if (s_read_keys(self, o, err, errlen) < 0)
        goto fail;
    if (pipe2(self->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
        goto fail;
    }
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        snprintf(err, errlen, "cannot make a ZeroMQ context: %s",
                 zmq_strerror(errno));
        goto fail;
    }
    return self;
fail:
    adapter_destroy(&self);
    return NULL;
}

void adapter_destroy(adapter_t **p)
{
    if (!p || !*p)
        return;
    adapter_t *self = *p;
    conn_destroy(&self->conn);
    while (self->ctx && zmq_ctx_term(self->ctx) != 0 && errno == EINTR)
        ;
    for (int i = 0; i < 2; i++)
        if (self->wake[i] >= 0)
            close(self->wake[i]);
    sodium_memzero(self->secret_key, sizeof self->secret_key);
    free(self->endpoint);
    free(self);
    *p = NULL;
}

/* Makes the connection if there is none. -1 with a reason in r. */
static int s_connect(adapter_t *self, adapter_result_t *r)
{
    if (self->conn)
        return 0;
    conn_keys_t keys = {self->server_key, self->public_key,
                        self->secret_key};
    char err[512];
    self->conn = conn_new(self->ctx, self->endpoint, &keys, err, sizeof err);
    if (self->conn)
        return 0;
    s_reason(r, "%s", err);
    return -1;
}

/* Handles a wait that did not end ready: drops the connection, sets the
 * reason, and says whether to try again. */
static int s_lost(adapter_t *self, conn_wait_t how, bool sent,
                  adapter_result_t *r)
{
    int saved = errno;
    char why[512];
    conn_why(self->conn, why, sizeof why);
    conn_destroy(&self->conn);
    if (how == CONN_ERROR) {
        s_reason(r, "cannot wait for %s: %s", self->endpoint,
                 zmq_strerror(saved));
        return S_FINAL;
    }
    if (how == CONN_WOKEN) {
        r->stopped = true;
        s_reason(r, sent ? "stopped while waiting for the reply; the "
                           "daemon may have stored it, sending it again "
                           "is safe"
                         : "stopped before the request was sent");
        return S_FINAL;
    }
    if (!sent)
        s_reason(r, "%s", why);
    else if (how == CONN_LOST)
        s_reason(r, "the connection to %s was lost while waiting for the "
                 "reply", self->endpoint);
    else
        s_reason(r, "no reply from %s within %d ms", self->endpoint,
                 self->timeout_ms);
    return S_RETRY;
}

/* Checks the envelope of a reply and classifies it. */
static int s_check_reply(const char *command, const conn_frames_t *f,
                         adapter_result_t *r)
{
    if (f->n != 4) {
        s_reason(r, "malformed reply: %d frames, not 4", f->n);
        return S_FINAL;
    }
    if (f->len[0] != 4 || memcmp(f->part[0], "RRP1", 4) != 0) {
        s_reason(r, "malformed reply: no RRP1 signature");
        return S_FINAL;
    }
    if (f->len[1] != strlen(f->part[1])) {
        s_reason(r, "malformed reply: a NUL in the status");
        return S_FINAL;
    }
    if (f->len[2] != strlen(r->corr) || strcmp(f->part[2], r->corr) != 0) {
        log_warn("adapter: stale reply ignored corr=%s", r->corr);
        s_reason(r, "a reply to another request (stale) was ignored");
        return S_RETRY;
    }
    bool ping = strcmp(command, "PING") == 0;
    if ((ping && strcmp(f->part[1], "ACK") == 0) ||
        (!ping && strcmp(f->part[1], "PONG") == 0)) {
        s_reason(r, "malformed reply: %s to %s", f->part[1], command);
        return S_FINAL;
    }
    adapter_classify(f->part[1], f->part[3], f->len[3], r);
    /* A NACK that may be retried keeps its body; a malformed one not. */
    if (r->status == ADAPTER_TEMPORARY && r->reply)
        return S_RETRY;
    return S_FINAL;
}

/* Receives and checks the reply that has arrived. */
static int s_take_reply(adapter_t *self, const char *command,
                        adapter_result_t *r)
{
    conn_frames_t f;
    int rc;
    if (conn_recv(self->conn, &f) < 0) {
        s_reason(r, "cannot receive from %s: %s", self->endpoint,
                 zmq_strerror(errno));
        rc = S_RETRY;
    } else
        rc = s_check_reply(command, &f, r);
    conn_frames_clear(&f);
    /* A classified reply leaves the REQ socket fit to send again; after
     * a stale or malformed one, or none, a new connection is safer. */
    if (!r->reply)
        conn_destroy(&self->conn);
    return rc;
}

/* One attempt: connect if needed, send, wait for the reply. */
static int s_attempt(adapter_t *self, const char *command, const char *body,
                     size_t len, adapter_result_t *r)
{
    s_forget_reply(r);
    if (s_connect(self, r) < 0)
        return S_FINAL;
    int64_t deadline = conn_now_ms() + self->timeout_ms;
    conn_wait_t how = conn_wait(self->conn, ZMQ_POLLOUT, deadline,
                                self->wake[0]);
    if (how != CONN_READY)
        return s_lost(self, how, false, r);
    if (conn_send(self->conn, command, r->corr, body, len) < 0) {
        s_reason(r, "cannot send to %s: %s", self->endpoint,
                 zmq_strerror(errno));
        conn_destroy(&self->conn);
        return S_RETRY;
    }
    log_debug("adapter: sent command=%s corr=%s attempt=%d bytes=%zu",
              command, r->corr, r->attempts, len);
    how = conn_wait(self->conn, ZMQ_POLLIN, deadline, self->wake[0]);
    if (how != CONN_READY)
        return s_lost(self, how, true, r);
    return s_take_reply(self, command, r);
}

/* Waits ms milliseconds unless stopped; -1 when stopped. */
static int s_sleep(adapter_t *self, int ms)
{
    int64_t deadline = conn_now_ms() + ms;
    struct pollfd pfd = {.fd = self->wake[0], .events = POLLIN};
    for (;;) {
        if (self->stopping)
            return -1;
        int64_t left = deadline - conn_now_ms();
        if (left <= 0)
            return 0;
        if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
            return 0; /* cannot wait: go on without the rest */
    }
}

/* The wait before attempt n + 1: backoff doubled n - 1 times, capped. */
static int s_backoff_ms(const adapter_t *self, int n)
{
    int64_t ms = self->backoff_ms;
    for (int i = 1; i < n && ms < self->backoff_max_ms; i++)
        ms *= 2;
    return (int)(ms < self->backoff_max_ms ? ms : self->backoff_max_ms);
}

/* Refuses a body too large for the transport, without sending it. */
static adapter_status_t s_refuse_large(adapter_result_t *r, size_t len)
{
    char msg[160];
    snprintf(msg, sizeof msg, "the body is %zu bytes; ZeroMQ drops "
             "requests over %d bytes", len, ADAPTER_MAX_BODY);
    r->reply = json_pack("{s:s, s:s, s:n, s:b}", "error", "too_large",
                         "message", msg, "field", "retry", 0);
    r->error = "too_large";
    r->message = json_string_value(json_object_get(r->reply, "message"));
    r->local = true;
    r->status = ADAPTER_REFUSED;
    s_reason(r, "too_large: %s", msg);
    return r->status;
}

static bool s_command_known(const char *c)
{
    return strcmp(c, "REFERRAL") == 0 || strcmp(c, "REPORT") == 0 ||
           strcmp(c, "PING") == 0;
}

adapter_status_t adapter_send(adapter_t *self, const char *command,
                              const char *body, size_t len,
                              adapter_result_t *r)
{
    assert(self && command && r && (body || len == 0));
    assert(s_command_known(command));
    memset(r, 0, sizeof *r);
    unsigned char raw[ADAPTER_CORR_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(r->corr, sizeof r->corr, raw, sizeof raw);
    r->status = ADAPTER_TEMPORARY;
    if (len > ADAPTER_MAX_BODY)
        return s_refuse_large(r, len);
    if (!body)
        body = "";
    for (int i = 1; i <= self->attempts; i++) {
        if (i > 1 && s_sleep(self, s_backoff_ms(self, i - 1)) < 0) {
            r->stopped = true;
            s_reason(r, "stopped before attempt %d", i);
            return r->status;
        }
        r->attempts = i;
        if (s_attempt(self, command, body, len, r) == S_FINAL)
            return r->status;
        log_debug("adapter: attempt failed corr=%s attempt=%d reason=\"%s\"",
                  r->corr, i, r->reason);
    }
    r->status = ADAPTER_TEMPORARY;
    char *last = r->reason;
    r->reason = xasprintf("%s (gave up after %d attempt%s)",
                          last ? last : "no reply", r->attempts,
                          r->attempts == 1 ? "" : "s");
    free(last);
    return r->status;
}

void adapter_stop(adapter_t *self)
{
    int saved = errno;
    self->stopping = 1;
    ssize_t w = write(self->wake[1], "x", 1);
    (void)w; /* a full pipe has woken the waits already */
    errno = saved;
}

bool adapter_stopped(const adapter_t *self)
{
    return self->stopping != 0;
}

/* Reads error, message, field and retry of a NACK body in r->reply. */
static adapter_status_t s_classify_nack(adapter_result_t *r)
{
    r->error = json_string_value(json_object_get(r->reply, "error"));
    r->message = json_string_value(json_object_get(r->reply, "message"));
    r->field = json_string_value(json_object_get(r->reply, "field"));
    json_t *retry = json_object_get(r->reply, "retry");
    s_reason(r, "%s%s%s%s%s%s", r->error ? r->error : "NACK",
             r->message ? ": " : "", r->message ? r->message : "",
             r->field ? " (field " : "", r->field ? r->field : "",
             r->field ? ")" : "");
    if (json_is_false(retry)) {
        r->status = ADAPTER_REFUSED;
    } else if (json_is_true(retry)) {
        r->status = ADAPTER_TEMPORARY;
    } else {
        r->status = ADAPTER_TEMPORARY;
        char *what = r->reason;
        r->reason = xasprintf("%s; the NACK has no boolean retry", what);
        free(what);
    }
    return r->status;
}

adapter_status_t adapter_classify(const char *status, const char *body,
                                  size_t len, adapter_result_t *r)
{
    s_forget_reply(r);
    free(r->reason);
    r->reason = NULL;
    r->status = ADAPTER_TEMPORARY;
    bool nack = strcmp(status, "NACK") == 0;
    if (!nack && strcmp(status, "ACK") != 0 && strcmp(status, "PONG") != 0) {
        s_reason(r, "malformed reply: unknown status");
        return r->status;
    }
    snprintf(r->word, sizeof r->word, "%s", status);
    json_error_t e;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(v)) {
        s_reason(r, "malformed reply: the %s body is not a JSON object%s%s",
                 status, v ? "" : ": ", v ? "" : e.text);
        json_decref(v);
        return r->status;
    }
    r->reply = v;
    if (nack)
        return s_classify_nack(r);
    r->status = ADAPTER_ACK;
    return r->status;
}

void adapter_result_clear(adapter_result_t *r)
{
    json_decref(r->reply);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

const char *adapter_status_name(adapter_status_t status)
{
    switch (status) {
    case ADAPTER_ACK:
        return "ACK";
    case ADAPTER_REFUSED:
        return "REFUSED";
    default:
        return "TEMPORARY";
    }
}

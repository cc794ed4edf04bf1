/*
 * sender — SMTP delivery in a thread of its own (see sender.h). A job is
 * one JSON frame (settings and mail, inline parts in base64), an outcome
 * one JSON frame, "stop" (not JSON) the end. The thread feeds
 * smtp_session from its socket.
 */
#include "sender.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define SENDER_ENDPOINT "inproc://regie-sender"

struct sender {
    void *ctx;            /* the ZeroMQ context (borrowed) */
    void *sock;           /* main thread's PAIR end */
    pthread_t thread;     /* the delivering thread */
    bool started;         /* thread is running, not joined yet */
    atomic_bool stopping; /* shared: the thread takes no new mail */
    smtpcut_t *cut;       /* shared: ends the thread's session at once */
};

/* The thread's own state. */
typedef struct {
    sender_t *s;  /* for stopping and cut only */
    void *sock;   /* the thread's PAIR end */
    json_t *held; /* a job read and not begun yet, or NULL */
    json_t *smtp; /* the settings of the session in progress */
    bool stop;    /* the stop frame came */
} s_thread_t;

/* One mail in the session's hands: its job and the bytes of its inline
 * parts, decoded from the job (what the mail's pointers point to). */
typedef struct {
    json_t *job;
    mime_part_t *parts;
    size_t n_parts;
} s_work_t;

/* Reads the string member name of o, or NULL. */
static const char *s_get(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static int s_int(const json_t *o, const char *name)
{
    return (int)json_integer_value(json_object_get(o, name));
}

/* The settings of a job's "smtp" object (strings borrowed from it). */
static smtp_settings_t s_settings(const json_t *set)
{
    return (smtp_settings_t){
        .host = s_get(set, "host"),
        .port = s_int(set, "port"),
        .tls = json_is_true(json_object_get(set, "starttls"))
                   ? SMTP_TLS_REQUIRED
                   : SMTP_TLS_NONE,
        .ca_file = s_get(set, "ca_file"),
        .user = s_get(set, "user"),
        .password = s_get(set, "password"),
        .timeout_ms = s_int(set, "timeout_ms"),
        .sender = s_get(set, "sender"),
        .max_per_session = s_int(set, "max_per_session"),
        .session_ms = s_int(set, "session_ms"),
    };
}

/* The mail of w's job (strings borrowed from it, parts from w). */
static mime_mail_t s_mail(const s_work_t *w)
{
    const json_t *job = w->job;
    return (mime_mail_t){
        .from = s_get(job, "from"),
        .from_name = s_get(job, "from_name"),
        .to = s_get(job, "to"),
        .to_name = s_get(job, "to_name"),
        .subject = s_get(job, "subject"),
        .message_id = s_get(job, "message_id"),
        .date = (time_t)json_integer_value(json_object_get(job, "date")),
        .body = s_get(job, "body"),
        .html = s_get(job, "html"),
        .parts = w->parts,
        .n_parts = w->n_parts,
    };
}

static void s_work_free(s_work_t *w)
{
    for (size_t i = 0; w && i < w->n_parts; i++)
        free((void *)w->parts[i].data);
    if (w) {
        free(w->parts);
        json_decref(w->job);
    }
    free(w);
}

/* The work of job (taken): its inline parts decoded. A part that does
 * not decode is left without data, for mime to refuse the mail. */
static s_work_t *s_work(json_t *job)
{
    s_work_t *w = xcalloc(1, sizeof *w);
    w->job = job;
    const json_t *parts = json_object_get(job, "parts");
    w->n_parts = json_array_size(parts);
    w->parts = xcalloc(w->n_parts ? w->n_parts : 1, sizeof *w->parts);
    for (size_t i = 0; i < w->n_parts; i++) {
        const json_t *p = json_array_get(parts, i);
        const char *b64 = s_get(p, "base64");
        size_t len = b64 ? strlen(b64) : 0, n = 0;
        unsigned char *data = xmalloc(len / 4 * 3 + 3);
        if (!b64 ||
            sodium_base642bin(data, len / 4 * 3 + 3, b64, len, NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            n = 0;
        w->parts[i] = (mime_part_t){.content_type = s_get(p, "content_type"),
                                    .cid = s_get(p, "cid"),
                                    .filename = s_get(p, "filename"),
                                    .data = data,
                                    .len = n};
    }
    return w;
}

/* The next job from the socket, waiting up to wait_ms (-1: until one
 * comes), or NULL: none, or the stop frame (t->stop set then). */
static json_t *s_recv(s_thread_t *t, int wait_ms)
{
    zmq_pollitem_t item = {t->sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&item, 1, wait_ms);
    if (n < 0 && errno != EINTR)
        t->stop = true; /* the context is ending */
    if (n <= 0)
        return NULL;
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, t->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return NULL;
    }
    json_t *job = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
    sodium_memzero(zmq_msg_data(&m), zmq_msg_size(&m)); /* the password */
    zmq_msg_close(&m);
    if (!job)
        t->stop = true;
    return job;
}

/* Whether the thread is to take no new mail. */
static bool s_stopping(s_thread_t *t)
{
    return t->stop || atomic_load(&t->s->stopping);
}

/* smtp's feed: the held job or the next from the socket, when it has
 * the session's settings (else it is held for the next session). */
static bool s_next(void *arg, int wait_ms, mime_mail_t *mail, void **tag)
{
    s_thread_t *t = arg;
    if (s_stopping(t))
        return false;
    json_t *job = t->held ? t->held : s_recv(t, wait_ms);
    t->held = NULL;
    if (!job || s_stopping(t)) {
        json_decref(job);
        return false;
    }
    if (!json_equal(json_object_get(job, "smtp"), t->smtp)) {
        t->held = job;
        return false;
    }
    s_work_t *w = s_work(job);
    *mail = s_mail(w);
    *tag = w;
    return true;
}

/* smtp's feed: the outcome of a job goes back at once. */
static void s_done(void *arg, void *tag, const smtp_result_t *r)
{
    s_thread_t *t = arg;
    s_work_t *w = tag;
    json_t *job = w->job;
    json_t *out =
        json_pack("{s:I, s:i, s:b, s:b, s:i, s:s}", "id",
                  json_integer_value(json_object_get(job, "id")), "outcome",
                  (int)r->outcome, "affects_all", r->affects_all, "requeue",
                  r->requeue, "code", r->code, "reason", r->reason);
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    s_work_free(w);
    int flags = atomic_load(&t->s->stopping) ? ZMQ_DONTWAIT : 0;
    if (!text || zmq_send(t->sock, text, strlen(text), flags) < 0)
        log_err("sender: cannot report error=\"%s\"", zmq_strerror(errno));
    free(text);
}

/* The cleanup of the thread, also when it is cancelled. */
static void s_cleanup(void *arg)
{
    s_thread_t *t = arg;
    json_decref(t->held);
    json_decref(t->smtp);
    t->held = t->smtp = NULL;
    if (t->sock)
        zmq_close(t->sock);
    t->sock = NULL;
}

/* Carries jobs in sessions until the stop. Cancellation is off but
 * while libesmtp waits on the network (smtp_session). */
static void s_loop(s_thread_t *t)
{
    smtp_feed_t feed = {.next = s_next, .done = s_done, .arg = t};
    while (!s_stopping(t)) {
        json_t *job = t->held ? t->held : s_recv(t, -1);
        if (!job || s_stopping(t)) {
            json_decref(job);
            t->held = NULL;
            continue;
        }
        t->held = job; /* the session's first mail */
        t->smtp = json_incref(json_object_get(job, "smtp"));
        smtp_settings_t set = s_settings(t->smtp);
        smtp_session(&set, &feed, t->s->cut);
        json_decref(t->smtp);
        t->smtp = NULL;
    }
}

static void *s_thread(void *arg)
{
    s_thread_t t = {.s = arg};
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    pthread_cleanup_push(s_cleanup, &t);
    t.sock = zmq_socket(t.s->ctx, ZMQ_PAIR);
    if (!t.sock || zmq_connect(t.sock, SENDER_ENDPOINT) != 0)
        log_err("sender: cannot connect error=\"%s\"", zmq_strerror(errno));
    else
        s_loop(&t);
    pthread_cleanup_pop(1);
    return NULL;
}

sender_t *sender_new(void *zmq_ctx)
{
    sender_t *s = xcalloc(1, sizeof *s);
    s->ctx = zmq_ctx;
    atomic_init(&s->stopping, false);
    s->cut = smtpcut_new();
    int linger = 0;
    s->sock = zmq_socket(zmq_ctx, ZMQ_PAIR);
    if (!s->sock ||
        zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(s->sock, SENDER_ENDPOINT) != 0) {
        log_err("sender: cannot bind error=\"%s\"", zmq_strerror(errno));
        sender_destroy(&s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, s_thread, s) != 0) {
        log_err("sender: cannot start the thread");
        sender_destroy(&s);
        return NULL;
    }
    s->started = true;
    return s;
}

/* Waits up to ms for the thread to end. Returns true when it did. */
static bool s_join(sender_t *s, long ms)
{
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += ms / 1000;
    at.tv_nsec += (ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return pthread_clockjoin_np(s->thread, NULL, CLOCK_MONOTONIC, &at) == 0;
}

void sender_stop(sender_t *s)
{
    if (!s || !s->started)
        return;
    s->started = false;
    atomic_store(&s->stopping, true);
    if (zmq_send(s->sock, "stop", 4, ZMQ_DONTWAIT) < 0) /* wakes it */
        log_err("sender: cannot stop error=\"%s\"", zmq_strerror(errno));
    if (s_join(s, SENDER_GRACE_MS))
        return;
    log_notice("sender: stopping: the mail in hand is abandoned; it stays "
               "pending");
    smtpcut_fire(s->cut);
    if (s_join(s, SENDER_CUT_MS))
        return;
    /* Not in a session's I/O: a connect or a name lookup that hangs. */
    log_warn("sender: stopping: the SMTP thread is cancelled");
    pthread_cancel(s->thread);
    pthread_join(s->thread, NULL);
}

void sender_destroy(sender_t **p)
{
    if (!p || !*p)
        return;
    sender_t *s = *p;
    sender_stop(s);
    if (s->sock)
        zmq_close(s->sock);
    smtpcut_destroy(&s->cut);
    free(s);
    *p = NULL;
}

void *sender_socket(sender_t *s)
{
    return s->sock;
}

/* The job of row (a new reference), or NULL. */
static json_t *s_job(const outbox_row_t *row, const cfg_mail_t *m, int64_t now)
{
    char mid[128];
    outbox_message_id(row, m->from.email, mid, sizeof mid);
    json_t *job = json_pack(
        "{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:I, s:{s:s, s:i, s:b, "
        "s:s?, s:s?, s:s?, s:i, s:s, s:i, s:i}}",
        "id", (json_int_t)row->id, "from", m->from.email, "from_name",
        m->from.name, "to", row->to, "to_name", row->to_name, "subject",
        row->subject, "body", row->body, "message_id", mid, "date",
        (json_int_t)now, "smtp", "host", m->smtp_host, "port", m->smtp_port,
        "starttls", m->smtp_starttls, "ca_file", m->smtp_ca_file, "user",
        m->smtp_user, "password", m->smtp_password, "timeout_ms",
        m->smtp_timeout_ms, "sender", m->from.email, "max_per_session",
        m->smtp_max_per_session, "session_ms", m->smtp_session_s * 1000);
    if (job && row->html)
        json_object_set_new(job, "html", json_string(row->html));
    if (job && row->parts)
        json_object_set_new(job, "parts", json_loads(row->parts, 0, NULL));
    return job;
}

int sender_submit(sender_t *s, const outbox_row_t *row, const cfg_mail_t *m,
                  int64_t now)
{
    json_t *job = s_job(row, m, now);
    char *text = job ? json_dumps(job, JSON_COMPACT) : NULL;
    json_decref(job);
    if (!text) {
        log_err("sender: cannot encode notification=%lld", (long long)row->id);
        return -1;
    }
    int rc = zmq_send(s->sock, text, strlen(text), ZMQ_DONTWAIT);
    sodium_memzero(text, strlen(text));
    free(text);
    if (rc < 0) {
        log_err("sender: cannot hand over error=\"%s\"", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

int sender_outcome(sender_t *s, int64_t *id, smtp_result_t *result)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    json_t *o = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
    zmq_msg_close(&m);
    memset(result, 0, sizeof *result);
    if (!o || !json_is_integer(json_object_get(o, "id"))) {
        log_err("sender: an unreadable outcome");
        json_decref(o);
        return sender_outcome(s, id, result); /* the next one */
    }
    *id = json_integer_value(json_object_get(o, "id"));
    result->outcome = (smtp_outcome_t)s_int(o, "outcome");
    result->affects_all = json_is_true(json_object_get(o, "affects_all"));
    result->requeue = json_is_true(json_object_get(o, "requeue"));
    result->code = s_int(o, "code");
    snprintf(result->reason, sizeof result->reason, "%s",
             s_get(o, "reason") ? s_get(o, "reason") : "");
    json_decref(o);
    return 0;
}

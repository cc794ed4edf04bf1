/*
 * sender — SMTP delivery in a thread of its own (see sender.h). A job is
 * one JSON frame (settings and mail); an outcome is one JSON frame.
 */
#include "sender.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define SENDER_ENDPOINT "inproc://regie-sender"

struct sender {
    void *ctx;        /* the ZeroMQ context (borrowed) */
    void *sock;       /* main thread's PAIR end */
    pthread_t thread; /* the delivering thread */
    bool started;     /* thread is running */
    bool busy;        /* a job is out */
    int64_t job_id;   /* the notification out */
};

/* Reads the string member name of o, or NULL. */
static const char *s_get(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* Delivers one job and makes its outcome frame. */
static char *s_deliver(const json_t *job)
{
    json_t *set = json_object_get(job, "smtp");
    smtp_settings_t st = {
        .host = s_get(set, "host"),
        .port = (int)json_integer_value(json_object_get(set, "port")),
        .tls = json_is_true(json_object_get(set, "starttls"))
                   ? SMTP_TLS_REQUIRED
                   : SMTP_TLS_NONE,
        .ca_file = s_get(set, "ca_file"),
        .user = s_get(set, "user"),
        .password = s_get(set, "password"),
        .timeout_ms =
            (int)json_integer_value(json_object_get(set, "timeout_ms")),
        .sender = s_get(set, "sender"),
    };
    mime_mail_t mail = {
        .from = s_get(job, "from"),
        .from_name = s_get(job, "from_name"),
        .to = s_get(job, "to"),
        .to_name = s_get(job, "to_name"),
        .subject = s_get(job, "subject"),
        .message_id = s_get(job, "message_id"),
        .date = (time_t)json_integer_value(json_object_get(job, "date")),
        .body = s_get(job, "body"),
    };
    smtp_result_t res;
    smtp_deliver(&st, &mail, &res);
    json_t *out =
        json_pack("{s:I, s:i, s:b, s:i, s:s}", "id",
                  json_integer_value(json_object_get(job, "id")), "outcome",
                  (int)res.outcome, "affects_all", res.affects_all, "code",
                  res.code, "reason", res.reason);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

static void *s_thread(void *arg)
{
    void *sock = zmq_socket(arg, ZMQ_PAIR);
    if (!sock || zmq_connect(sock, SENDER_ENDPOINT) != 0) {
        log_err("sender: cannot connect error=\"%s\"", zmq_strerror(errno));
        return NULL;
    }
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            if (errno == EINTR)
                continue;
            break;
        }
        json_t *job = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
        zmq_msg_close(&m);
        if (!job) /* the stop message */
            break;
        char *out = s_deliver(job);
        json_decref(job);
        if (zmq_send(sock, out, strlen(out), 0) < 0)
            log_err("sender: cannot report error=\"%s\"", zmq_strerror(errno));
        free(out);
    }
    zmq_close(sock);
    return NULL;
}

sender_t *sender_new(void *zmq_ctx)
{
    sender_t *s = xcalloc(1, sizeof *s);
    s->ctx = zmq_ctx;
    int linger = 0;
    s->sock = zmq_socket(zmq_ctx, ZMQ_PAIR);
    if (!s->sock ||
        zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(s->sock, SENDER_ENDPOINT) != 0) {
        log_err("sender: cannot bind error=\"%s\"", zmq_strerror(errno));
        sender_destroy(&s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, s_thread, zmq_ctx) != 0) {
        log_err("sender: cannot start the thread");
        sender_destroy(&s);
        return NULL;
    }
    s->started = true;
    return s;
}

void sender_destroy(sender_t **p)
{
    if (!p || !*p)
        return;
    sender_t *s = *p;
    if (s->started) {
        if (zmq_send(s->sock, "stop", 4, 0) < 0)
            log_err("sender: cannot stop error=\"%s\"", zmq_strerror(errno));
        pthread_join(s->thread, NULL);
    }
    if (s->sock)
        zmq_close(s->sock);
    free(s);
    *p = NULL;
}

void *sender_socket(sender_t *s)
{
    return s->sock;
}

bool sender_busy(const sender_t *s)
{
    return s->busy;
}

int sender_submit(sender_t *s, const outbox_row_t *row, const cfg_mail_t *m,
                  int64_t now)
{
    char mid[128];
    outbox_message_id(row, m->from.email, mid, sizeof mid);
    json_t *job = json_pack(
        "{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:I, s:{s:s, s:i, s:b, "
        "s:s?, s:s?, s:s?, s:i, s:s}}",
        "id", (json_int_t)row->id, "from", m->from.email, "from_name",
        m->from.name, "to", row->to, "to_name", row->to_name, "subject",
        row->subject, "body", row->body, "message_id", mid, "date",
        (json_int_t)now, "smtp", "host", m->smtp_host, "port", m->smtp_port,
        "starttls", m->smtp_starttls, "ca_file", m->smtp_ca_file, "user",
        m->smtp_user, "password", m->smtp_password, "timeout_ms",
        m->smtp_timeout_ms, "sender", m->from.email);
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
    s->busy = true;
    s->job_id = row->id;
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
    *id = s->job_id;
    if (!o) {
        result->outcome = SMTP_RESULT_TEMPORARY;
        snprintf(result->reason, sizeof result->reason,
                 "the sender thread sent an unreadable outcome");
    } else {
        result->outcome =
            (smtp_outcome_t)json_integer_value(json_object_get(o, "outcome"));
        result->affects_all = json_is_true(json_object_get(o, "affects_all"));
        result->code = (int)json_integer_value(json_object_get(o, "code"));
        snprintf(result->reason, sizeof result->reason, "%s",
                 s_get(o, "reason") ? s_get(o, "reason") : "");
        json_decref(o);
    }
    s->busy = false;
    return 0;
}

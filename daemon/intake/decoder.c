/*
 * decoder — the intake's decoder thread and its queue (see decoder.h).
 * struct decoder is the main thread's side; s_self_t, made before the
 * thread starts and taken back after it ended, is the thread's.
 */
#include "decoder.h"

#include "clock.h"
#include "log.h"
#include "reply.h"
#include "xmem.h"
#include "zframes.h"
#include "zwait.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_FRAMES_MAX 16 /* frames kept of one message; more is bad */
#define S_READ_MAX 32   /* requests read (and decoded) between two looks
                         * at the queue, so that a returned batch is
                         * answered, and the next one handed over, soon */

/* One received message: its frames, and where the envelope ends. */
typedef struct {
    zmq_msg_t frames[S_FRAMES_MAX];
    int n;       /* frames kept */
    int total;   /* frames received */
    int payload; /* index of the first frame after the envelope */
    rrp_frame_t view[S_FRAMES_MAX];
} s_msg_t;

/* A batch: the messages read and their items. */
typedef struct {
    s_msg_t *msgs;        /* cap of them */
    intake_item_t *items; /* the same */
    size_t n;             /* in use */
    double t0;            /* when its first message was read (monotonic) */
} s_batch_t;

/* What goes through the queue. */
enum {
    S_BATCH,    /* thread to main: ptr, a batch to store */
    S_DONE,     /* main to thread: ptr, the batch stored */
    S_RULES,    /* main to thread: ptr, new rules (taken) */
    S_STOP,     /* main to thread: read no more requests */
    S_REFUSALS, /* thread to main: the guard's totals */
    S_ENDED,    /* thread to main: the last message */
};

typedef struct {
    int kind;
    void *ptr;
    tally_totals_t totals;
} s_note_t;

/* The thread's own state. */
typedef struct {
    void *pipe;             /* its end of the queue (PAIR) */
    void *intake;           /* the intake ROUTER, CURVE server */
    guard_t *guard;         /* the intake's connections */
    decode_rules_t *rules;  /* what a request may be */
    s_batch_t batches[2];   /* one filling, one with the writer, or none */
    s_batch_t *filling;     /* the batch being read into */
    s_batch_t *away;        /* the batch the writer has, or NULL */
    size_t cap;             /* requests in a batch */
    bool stopping;          /* read no more requests */
    tally_totals_t refused; /* the guard's totals as last reported */
    zwait_t wait;           /* the thread's poll (see s_thread) */
    int64_t guard_at;       /* when guard_tick is due (monotonic ms), or -1 */
} s_self_t;

struct decoder {
    void *pipe;         /* the main thread's end of the queue */
    s_self_t *self;     /* the thread's, until it ended */
    pthread_t thread;
    bool started;       /* the thread runs or ran */
    bool stop_sent;     /* S_STOP sent */
    bool ended;         /* S_ENDED received */
    s_batch_t *held;    /* the batch the writer has, or NULL */
    metrics_t *metrics; /* borrowed */
};

/* Seconds on the monotonic clock. */
static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_send(void *pipe, const s_note_t *note)
{
    while (zmq_send(pipe, note, sizeof *note, 0) < 0 && errno == EINTR)
        ;
}

/* Receives a note; returns false when none waits (or wait: blocks). */
static bool s_recv(void *pipe, s_note_t *note, bool wait)
{
    int rc;
    while ((rc = zmq_recv(pipe, note, sizeof *note, wait ? 0 : ZMQ_DONTWAIT)) <
               0 &&
           errno == EINTR)
        ;
    return rc == (int)sizeof *note;
}

/* ------------------------------------------------------- the thread */

/* Sends the reply of item to the peer of m; a peer that is gone or full
 * will resend, so that is not an error. */
static void s_send_reply(void *sock, s_msg_t *m, const intake_item_t *it)
{
    const char *body = it->body ? it->body : "{}";
    int flags = ZMQ_SNDMORE | ZMQ_DONTWAIT, rc = 0;
    for (int i = 0; i < m->payload && rc >= 0; i++)
        rc = zmq_send(sock, zmq_msg_data(&m->frames[i]),
                      zmq_msg_size(&m->frames[i]), flags);
    if (rc >= 0 && m->payload == 1) /* no delimiter came: add one */
        rc = zmq_send(sock, "", 0, flags);
    if (rc >= 0)
        rc = zmq_send(sock, RRP_SIGNATURE, 4, flags);
    if (rc >= 0)
        rc = zmq_send(sock, it->status, strlen(it->status), flags);
    if (rc >= 0)
        rc = zmq_send(sock, it->corr ? it->corr : "",
                      it->corr ? it->corr_len : 0, flags);
    if (rc >= 0)
        rc = zmq_send(sock, body, strlen(body), ZMQ_DONTWAIT);
    if (rc < 0)
        log_info("decoder: reply dropped reason=\"%s\" status=%s",
                 zmq_strerror(errno), it->status);
}

/* Prepares the item of message m: the partner, the frames after the
 * envelope, and the NACK of a bad envelope. Returns false for a message
 * to drop unanswered. */
static bool s_prepare(s_self_t *self, s_msg_t *m, intake_item_t *it)
{
    /* The identity frame is the ROUTER's own: ask a frame from the wire. */
    const char *user =
        m->n >= 2 ? zmq_msg_gets(&m->frames[m->n - 1], "User-Id") : NULL;
    if (!user || !*user) {
        log_warn("decoder: dropped message reason=no-authenticated-user");
        return false;
    }
    bool known = decode_partner_known(self->rules, user);
    snprintf(it->partner_id, sizeof it->partner_id, "%s", user);
    /* The envelope: the frames up to the first empty one (the REQ
     * delimiter), as a REQ socket, REQ_CORRELATE or a proxy makes it. A
     * client that starts with the signature sent no delimiter at all. */
    int delim = 0;
    bool bare = m->n >= 2 && zmq_msg_size(&m->frames[1]) == 4 &&
                memcmp(zmq_msg_data(&m->frames[1]), RRP_SIGNATURE, 4) == 0;
    for (int i = 1; i < m->n && !delim && !bare; i++)
        if (zmq_msg_size(&m->frames[i]) == 0)
            delim = i;
    m->payload = delim ? delim + 1 : 1;
    for (int i = m->payload; i < m->n; i++) {
        m->view[i - m->payload].data = zmq_msg_data(&m->frames[i]);
        m->view[i - m->payload].len = zmq_msg_size(&m->frames[i]);
    }
    it->frames = m->view;
    it->nframes = (size_t)(m->total - m->payload);
    if (!delim || !known || m->total > S_FRAMES_MAX) {
        rrp_problem_t pb;
        rrp_problem_set(&pb, known ? RRP_BAD_FRAME : RRP_FORBIDDEN, NULL,
                        "%s",
                        !known       ? "this partner is no longer configured"
                        : !delim     ? "the envelope lacks the empty delimiter "
                                       "frame (a DEALER must send it first)"
                                     : "too many frames: a request has 4");
        it->status = "NACK";
        it->body = rrp_nack_body(&pb);
        it->error = rrp_error_name(pb.error);
        it->nframes = 0;
    }
    return true;
}

/* Reads up to S_READ_MAX waiting requests into the filling batch and
 * decodes them. */
static void s_read(s_self_t *self)
{
    s_batch_t *b = self->filling;
    size_t first = b->n;
    for (int k = 0; k < S_READ_MAX && b->n < self->cap; k++) {
        s_msg_t *m = &b->msgs[b->n];
        if (!zframes_recv(self->intake, m->frames, S_FRAMES_MAX, &m->n,
                          &m->total))
            break;
        if (b->n == 0)
            b->t0 = s_mono();
        if (s_prepare(self, m, &b->items[b->n]))
            b->n++;
        else
            zframes_close(m->frames, &m->n);
    }
    decode_batch(self->rules, b->items + first, b->n - first);
}

/* Hands the filling batch to the writer when it is free. */
static void s_hand_over(s_self_t *self)
{
    if (self->away || self->filling->n == 0)
        return;
    self->away = self->filling;
    self->filling = self->away == &self->batches[0] ? &self->batches[1]
                                                    : &self->batches[0];
    s_send(self->pipe, &(s_note_t){.kind = S_BATCH, .ptr = self->away});
    zwait_touch(&self->wait, self->pipe);
}

/* Answers a batch the writer returned, and empties it. */
static void s_answer(s_self_t *self, s_batch_t *b)
{
    reply_batch(b->items, b->n);
    for (size_t i = 0; i < b->n; i++)
        s_send_reply(self->intake, &b->msgs[i], &b->items[i]);
    reply_log(b->items, b->n);
    for (size_t i = 0; i < b->n; i++) {
        intake_item_clear(&b->items[i]);
        zframes_close(b->msgs[i].frames, &b->msgs[i].n);
    }
    zwait_touch(&self->wait, self->intake);
    b->n = 0;
}

/* Handles one note from the writer: zwait asks the queue again (it
 * reported it), so a second note is read on the next turn, and no
 * receive is spent finding the queue empty. */
static void s_on_pipe(s_self_t *self)
{
    s_note_t note;
    if (s_recv(self->pipe, &note, false)) {
        if (note.kind == S_DONE && note.ptr == self->away) {
            s_batch_t *done = self->away;
            self->away = NULL;
            s_hand_over(self); /* the writer goes on while we answer */
            s_answer(self, done);
        } else if (note.kind == S_RULES) {
            decode_rules_destroy(&self->rules);
            self->rules = note.ptr;
        } else if (note.kind == S_STOP) {
            self->stopping = true;
        }
    }
}

/* Reports the guard's totals when they changed. */
static void s_refusals(s_self_t *self)
{
    s_note_t note = {.kind = S_REFUSALS};
    tally_totals(guard_refusals(self->guard), &note.totals);
    if (memcmp(&note.totals, &self->refused, sizeof note.totals) == 0)
        return;
    self->refused = note.totals;
    s_send(self->pipe, &note);
}

/* The thread's loop. zwait's rule (a socket used that it did not report
 * ready is touched): s_hand_over touches the queue, s_answer the intake
 * socket; the guard may unbind and bind the intake socket and reports on
 * the queue, so after it every socket is asked again. */
static void *s_thread(void *arg)
{
    s_self_t *self = arg;
    pthread_setname_np(pthread_self(), "decoder");
    zwait_init(&self->wait);
    self->guard_at = -1;
    for (;;) {
        s_hand_over(self);
        if (self->stopping && !self->away && self->filling->n == 0)
            break;
        bool reading = !self->stopping && self->filling->n < self->cap;
        zmq_pollitem_t items[] = {
            {self->pipe, 0, ZMQ_POLLIN, 0},
            {self->intake, 0, reading ? ZMQ_POLLIN : 0, 0},
            {guard_socket(self->guard), 0, ZMQ_POLLIN, 0},
        };
        int64_t now = clock_mono_ms();
        bool tick_due = self->guard_at >= 0 && now >= self->guard_at;
        long timeout = (long)guard_tick(self->guard, now);
        self->guard_at = timeout >= 0 ? now + timeout : -1;
        if (tick_due)
            zwait_touch_all(&self->wait);
        if (zwait_poll(&self->wait, items, 3, timeout) < 0) {
            if (errno == EINTR)
                continue;
            log_err("decoder: poll failed error=\"%s\"", zmq_strerror(errno));
            break; /* the writer will hear S_ENDED */
        }
        if (items[0].revents & ZMQ_POLLIN)
            s_on_pipe(self);
        if (reading && (items[1].revents & ZMQ_POLLIN))
            s_read(self);
        if (items[2].revents & ZMQ_POLLIN) {
            guard_handle(self->guard, clock_mono_ms());
            s_refusals(self);
            zwait_touch_all(&self->wait);
        }
    }
    s_send(self->pipe, &(s_note_t){.kind = S_ENDED});
    return NULL;
}

/* ------------------------------------------------- the main thread */

static void s_batch_free(s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        intake_item_clear(&b->items[i]);
        zframes_close(b->msgs[i].frames, &b->msgs[i].n);
    }
    free(b->msgs);
    free(b->items);
}

/* Frees the thread's state (the thread has ended or never ran). */
static void s_self_free(s_self_t *self)
{
    for (int i = 0; i < 2; i++)
        s_batch_free(&self->batches[i]);
    decode_rules_destroy(&self->rules);
    guard_destroy(&self->guard);
    if (self->intake)
        zmq_close(self->intake);
    if (self->pipe)
        zmq_close(self->pipe);
    free(self);
}

decoder_t *decoder_new(void *ctx, void **intake, guard_t **guard,
                       decode_rules_t **rules, size_t batch_cap,
                       metrics_t *metrics)
{
    char ep[64];
    decoder_t *d = xcalloc(1, sizeof *d);
    d->metrics = metrics;
    s_self_t *self = xcalloc(1, sizeof *self);
    snprintf(ep, sizeof ep, "inproc://regie-decoder-%p", (void *)d);
    d->pipe = zmq_socket(ctx, ZMQ_PAIR);
    self->pipe = zmq_socket(ctx, ZMQ_PAIR);
    if (!d->pipe || !self->pipe || zmq_bind(d->pipe, ep) != 0 ||
        zmq_connect(self->pipe, ep) != 0) {
        log_err("decoder: cannot make its queue error=\"%s\"",
                zmq_strerror(errno));
        s_self_free(self);
        decoder_destroy(&d);
        return NULL;
    }
    self->cap = batch_cap;
    for (int i = 0; i < 2; i++) {
        self->batches[i].msgs = xcalloc(batch_cap, sizeof(s_msg_t));
        self->batches[i].items = xcalloc(batch_cap, sizeof(intake_item_t));
    }
    self->filling = &self->batches[0];
    self->intake = *intake;
    self->guard = *guard;
    self->rules = *rules;
    if (pthread_create(&d->thread, NULL, s_thread, self) != 0) {
        log_err("decoder: cannot start its thread");
        self->intake = NULL; /* still the caller's */
        self->guard = NULL;
        self->rules = NULL;
        s_self_free(self);
        decoder_destroy(&d);
        return NULL;
    }
    *intake = NULL;
    *guard = NULL;
    *rules = NULL;
    d->self = self;
    d->started = true;
    return d;
}

void *decoder_socket(decoder_t *d)
{
    return d->pipe;
}

/* Handles a note from the thread; returns the batch of S_BATCH. */
static s_batch_t *s_on_note(decoder_t *d, const s_note_t *note)
{
    if (note->kind == S_BATCH)
        return note->ptr;
    if (note->kind == S_REFUSALS && d->metrics)
        metrics_guard_refusals(d->metrics, &note->totals);
    else if (note->kind == S_ENDED)
        d->ended = true;
    return NULL;
}

intake_item_t *decoder_batch(decoder_t *d, size_t *n)
{
    s_note_t note;
    *n = 0;
    while (!d->held && s_recv(d->pipe, &note, false))
        d->held = s_on_note(d, &note);
    if (!d->held)
        return NULL;
    *n = d->held->n;
    return d->held->items;
}

void decoder_done(decoder_t *d)
{
    if (!d->held)
        return;
    /* The latency is taken here, when the replies are ready, and not
     * sent back from the thread after it answered: one wake of the main
     * thread less per batch. */
    double seconds = s_mono() - d->held->t0;
    for (size_t i = 0; d->metrics && i < d->held->n; i++)
        metrics_latency(d->metrics, seconds);
    s_send(d->pipe, &(s_note_t){.kind = S_DONE, .ptr = d->held});
    d->held = NULL;
}

void decoder_set_rules(decoder_t *d, decode_rules_t **rules)
{
    if (d->ended) {
        decode_rules_destroy(rules);
        return;
    }
    s_send(d->pipe, &(s_note_t){.kind = S_RULES, .ptr = *rules});
    *rules = NULL;
}

void decoder_stop(decoder_t *d)
{
    if (d->stop_sent || d->ended)
        return;
    s_send(d->pipe, &(s_note_t){.kind = S_STOP});
    d->stop_sent = true;
}

bool decoder_ended(const decoder_t *d)
{
    return !d->started || d->ended;
}

/* Waits for the thread to end; a batch that still comes is answered
 * unavailable, as nothing of it is stored. */
static void s_drain(decoder_t *d)
{
    rrp_problem_t pb;
    rrp_problem_set(&pb, RRP_UNAVAILABLE, NULL,
                    "regied cannot store right now; nothing was stored, "
                    "send the same request again later");
    decoder_stop(d);
    s_note_t note;
    while (!d->ended) {
        if (!d->held && !s_recv(d->pipe, &note, true))
            break;
        if (!d->held)
            d->held = s_on_note(d, &note);
        for (size_t i = 0; d->held && i < d->held->n; i++)
            if (d->held->items[i].state == INTAKE_PENDING)
                intake_nack(&d->held->items[i], &pb);
        decoder_done(d);
    }
}

void decoder_destroy(decoder_t **p)
{
    if (!p || !*p)
        return;
    decoder_t *d = *p;
    if (d->started) {
        s_drain(d);
        pthread_join(d->thread, NULL);
        s_self_free(d->self);
    }
    if (d->pipe)
        zmq_close(d->pipe);
    free(d);
    *p = NULL;
}

/*
 * conn — one CURVE REQ connection to regied with a monitor of its events
 * (see conn.h). The monitor is a PAIR socket on a private inproc endpoint;
 * its events are read whenever a wait wakes, and the last telling one is
 * kept to explain a failure.
 */
#include "conn.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_MAX_REPLY (1 << 20) /* ZMQ_MAXMSGSIZE for replies */
#define S_EVENTS                                                             \
    (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED |                       \
     ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |               \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |                                  \
     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

struct conn {
    void *sock;         /* the REQ socket */
    void *monitor;      /* PAIR receiving the events of sock */
    char *endpoint;     /* where it connects */
    char *public_key;   /* ours, for messages */
    int event;          /* the last telling event, or 0 */
    unsigned value;     /* its value: ZAP status, errno, ZMTP error */
    bool dropped;       /* disconnected since the last conn_send */
};

int64_t conn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sets an option of the socket; -1 with a reason in err. */
static int s_setopt(void *sock, int option, const char *name,
                    const void *value, size_t len, char *err, size_t errlen)
{
    if (zmq_setsockopt(sock, option, value, len) == 0)
        return 0;
    snprintf(err, errlen, "cannot set %s: %s", name, zmq_strerror(errno));
    return -1;
}

/* Sets the options of the new REQ socket. */
static int s_set_options(void *s, const conn_keys_t *k, char *err,
                         size_t errlen)
{
    int zero = 0, one = 1;
    int64_t max = S_MAX_REPLY;
    size_t klen = strlen(k->server) + 1; /* Z85 text with its NUL */
    if (s_setopt(s, ZMQ_LINGER, "ZMQ_LINGER", &zero, sizeof zero, err,
                 errlen) < 0 ||
        s_setopt(s, ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", &one, sizeof one, err,
                 errlen) < 0 ||
        s_setopt(s, ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", &max, sizeof max, err,
                 errlen) < 0 ||
        s_setopt(s, ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", k->server,
                 klen, err, errlen) < 0 ||
        s_setopt(s, ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY",
                 k->public_key, klen, err, errlen) < 0 ||
        s_setopt(s, ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY",
                 k->secret_key, klen, err, errlen) < 0)
        return -1;
    return 0;
}

/* Starts the monitor of self->sock on a fresh inproc endpoint. */
static int s_monitor(conn_t *self, void *ctx, char *err, size_t errlen)
{
    static _Atomic unsigned generation; /* names are never reused */
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://conn-monitor-%p-%u", (void *)self,
             ++generation);
    self->monitor = zmq_socket(ctx, ZMQ_PAIR);
    if (!self->monitor || zmq_socket_monitor(self->sock, ep, S_EVENTS) ||
        zmq_connect(self->monitor, ep) != 0) {
        snprintf(err, errlen, "cannot monitor a socket: %s",
                 zmq_strerror(errno));
        return -1;
    }
    return 0;
}

conn_t *conn_new(void *ctx, const char *endpoint, const conn_keys_t *keys,
                 char *err, size_t errlen)
{
    conn_t *self = xcalloc(1, sizeof *self);
    self->endpoint = xstrdup(endpoint);
    self->public_key = xstrdup(keys->public_key);
    self->sock = zmq_socket(ctx, ZMQ_REQ);
    if (!self->sock) {
        snprintf(err, errlen, "cannot make a socket: %s",
                 zmq_strerror(errno));
        goto fail;
    }
    if (s_set_options(self->sock, keys, err, errlen) < 0 ||
        s_monitor(self, ctx, err, errlen) < 0)
        goto fail;
    if (zmq_connect(self->sock, endpoint) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", endpoint,
                 zmq_strerror(errno));
        goto fail;
    }
    return self;
fail:
    conn_destroy(&self);
    return NULL;
}

void conn_destroy(conn_t **p)
{
    if (!p || !*p)
        return;
    conn_t *self = *p;
    if (self->sock && zmq_socket_monitor(self->sock, NULL, 0) != 0)
        log_debug("conn: cannot stop monitor error=\"%s\"",
                  zmq_strerror(errno));
    if (self->sock && zmq_close(self->sock) != 0)
        log_warn("conn: cannot close socket error=\"%s\"",
                 zmq_strerror(errno));
    if (self->monitor && zmq_close(self->monitor) != 0)
        log_warn("conn: cannot close monitor error=\"%s\"",
                 zmq_strerror(errno));
    free(self->endpoint);
    free(self->public_key);
    free(self);
    *p = NULL;
}

/* Whether event is a failed handshake. */
static bool s_is_failure(int event)
{
    return event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
           event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
           event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
}

/* Reads one event of the monitor; false when there is none. */
static bool s_read_event(conn_t *self)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, self->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return false;
    }
    uint16_t event = 0;
    uint32_t value = 0;
    if (zmq_msg_size(&m) >= 6) {
        memcpy(&event, zmq_msg_data(&m), 2);
        memcpy(&value, (char *)zmq_msg_data(&m) + 2, 4);
    }
    int more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    char addr[256];
    if (more && zmq_recv(self->monitor, addr, sizeof addr, ZMQ_DONTWAIT) < 0)
        log_debug("conn: monitor frame lost error=\"%s\"",
                  zmq_strerror(errno));
    log_debug("conn: socket event=0x%x value=%u", event, value);
    if (event == ZMQ_EVENT_DISCONNECTED)
        self->dropped = true;
    /* A failed handshake explains the reconnections that follow it. */
    if (s_is_failure(self->event) && !s_is_failure(event) &&
        event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        return true;
    self->event = event;
    self->value = value;
    return true;
}

static void s_drain_events(conn_t *self)
{
    while (s_read_event(self))
        ;
}

conn_wait_t conn_wait(conn_t *self, short events, int64_t deadline,
                      int wake_fd)
{
    zmq_pollitem_t items[] = {
        {self->sock, 0, events, 0},
        {self->monitor, 0, ZMQ_POLLIN, 0},
        {NULL, wake_fd, ZMQ_POLLIN, 0},
    };
    for (;;) {
        if (events == ZMQ_POLLOUT &&
            self->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            return CONN_TIMEOUT;
        if (events == ZMQ_POLLIN && self->dropped)
            return CONN_LOST;
        int64_t left = deadline - conn_now_ms();
        if (left <= 0)
            return CONN_TIMEOUT;
        if (zmq_poll(items, 3, (long)left) < 0) {
            if (errno == EINTR)
                continue;
            return CONN_ERROR;
        }
        if (items[1].revents & ZMQ_POLLIN)
            s_drain_events(self);
        if (items[2].revents & ZMQ_POLLIN)
            return CONN_WOKEN;
        if (items[0].revents & events)
            return CONN_READY;
    }
}

int conn_send(conn_t *self, const char *command, const char *corr,
              const char *body, size_t len)
{
    /* Events from before this request say nothing about its fate. */
    s_drain_events(self);
    self->dropped = false;
    const int more = ZMQ_SNDMORE | ZMQ_DONTWAIT;
    if (zmq_send(self->sock, "RRP1", 4, more) < 0 ||
        zmq_send(self->sock, command, strlen(command), more) < 0 ||
        zmq_send(self->sock, corr, strlen(corr), more) < 0 ||
        zmq_send(self->sock, body, len, ZMQ_DONTWAIT) < 0)
        return -1;
    return 0;
}

int conn_recv(conn_t *self, conn_frames_t *f)
{
    memset(f, 0, sizeof *f);
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, self->sock, ZMQ_DONTWAIT) < 0) {
            int saved = errno;
            zmq_msg_close(&m);
            conn_frames_clear(f);
            errno = saved;
            return -1;
        }
        if (f->n < 4) {
            size_t len = zmq_msg_size(&m);
            f->part[f->n] = xmalloc(len + 1);
            memcpy(f->part[f->n], zmq_msg_data(&m), len);
            f->part[f->n][len] = '\0';
            f->len[f->n] = len;
        }
        f->n++;
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return 0;
}

void conn_frames_clear(conn_frames_t *f)
{
    for (int i = 0; i < 4; i++)
        free(f->part[i]);
    memset(f, 0, sizeof *f);
}

void conn_why(const conn_t *self, char *buf, size_t len)
{
    const char *ep = self->endpoint;
    switch (self->event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        snprintf(buf, len, "%s refused this partner's key %s (ZAP status "
                 "%u); is it in the daemon's configuration?", ep,
                 self->public_key, self->value);
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
    case ZMQ_EVENT_DISCONNECTED:
        snprintf(buf, len, "the CURVE handshake with %s failed; is the "
                 "server key the daemon's public key?", ep);
        break;
    case ZMQ_EVENT_CONNECTED:
        snprintf(buf, len, "connected to %s, but no CURVE handshake "
                 "followed; is it regied?", ep);
        break;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        snprintf(buf, len, "connected to %s, but it takes no request", ep);
        break;
    default:
        snprintf(buf, len, "cannot connect to %s; is regied running?", ep);
    }
}

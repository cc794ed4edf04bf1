/*
 * guard — a ZeroMQ socket monitor on the intake ROUTER, read in the
 * decoder thread's loop. libzmq's TCP listener retries a failed accept() at once and
 * forever (tcp_listener.cpp: "TODO: Handle specific errors like
 * ENFILE/EMFILE"), and a connection that never completes its handshake
 * holds a descriptor until ZMQ_HANDSHAKE_IVL; so the guard keeps the
 * count of open connections below the descriptor limit, and answers an
 * accept failure by closing the listeners for GUARD_PAUSE_MS.
 */
#include "guard.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zmq.h>

#define S_MONITOR "inproc://regie-intake-monitor"
#define S_EVENTS                                                           \
    (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_ACCEPT_FAILED | \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |                                \
     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define S_EVENTS_PER_CALL 512 /* then the loop serves the partners */

/* One intake endpoint and its open connections. */
typedef struct {
    char *endpoint;       /* a copy: a reload frees the configuration */
    bool tcp;             /* a listener the guard may close */
    int64_t open;         /* accepted and not yet disconnected */
} s_listener_t;

struct guard {
    void *intake;          /* the watched ROUTER, borrowed */
    void *mon;             /* PAIR connected to its monitor */
    s_listener_t *ls;      /* one per endpoint */
    size_t n;
    int64_t ceiling;       /* open connections that close listeners; -1 */
    int64_t reopen_at_ms;  /* when closed listeners are bound again; 0 */
    guard_stats_t stats;
    tally_t *refused;      /* failed handshakes, summed up in the log */
};

/* The ceiling for setting ceiling: the descriptor limit less a reserve
 * when 0. */
static int64_t s_ceiling(int64_t ceiling)
{
    struct rlimit rl;
    if (ceiling != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return ceiling;
    int64_t lim = rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : (int64_t)rl.rlim_cur;
    return lim > 2 * GUARD_RESERVE_FDS ? lim - GUARD_RESERVE_FDS : lim / 2;
}

guard_t *guard_new(void *zmq_ctx, void *intake, char *const *endpoints,
                   size_t n, int64_t ceiling)
{
    guard_t *g = xcalloc(1, sizeof *g);
    g->intake = intake;
    g->ceiling = s_ceiling(ceiling);
    g->refused = tally_new("guard", GUARD_LOG_INTERVAL_MS);
    g->ls = xcalloc(n ? n : 1, sizeof *g->ls);
    g->n = n;
    for (size_t i = 0; i < n; i++) {
        g->ls[i].endpoint = xstrdup(endpoints[i]);
        g->ls[i].tcp = strncmp(endpoints[i], "tcp://", 6) == 0;
    }
    if (zmq_socket_monitor(intake, S_MONITOR, S_EVENTS) != 0 ||
        !(g->mon = zmq_socket(zmq_ctx, ZMQ_PAIR)) ||
        zmq_connect(g->mon, S_MONITOR) != 0) {
        log_err("guard: cannot monitor the intake error=\"%s\"",
                zmq_strerror(errno));
        guard_destroy(&g);
        return NULL;
    }
    log_info("guard: watching connections ceiling=%lld",
             (long long)g->ceiling);
    return g;
}

void *guard_socket(guard_t *g)
{
    return g->mon;
}

static s_listener_t *s_listener(guard_t *g, const char *ep, size_t len)
{
    for (size_t i = 0; i < g->n; i++)
        if (strlen(g->ls[i].endpoint) == len &&
            memcmp(g->ls[i].endpoint, ep, len) == 0)
            return &g->ls[i];
    return NULL;
}

/* Closes every TCP listener (their connections with them) until
 * GUARD_PAUSE_MS from now. */
static void s_close(guard_t *g, int64_t now_ms, const char *why)
{
    if (g->ceiling < 0 || g->reopen_at_ms)
        return;
    g->stats.closes++;
    for (size_t i = 0; i < g->n; i++) {
        if (!g->ls[i].tcp)
            continue;
        if (zmq_unbind(g->intake, g->ls[i].endpoint) != 0)
            log_err("guard: cannot close endpoint=%s error=\"%s\"",
                    g->ls[i].endpoint, zmq_strerror(errno));
        g->ls[i].open = 0;
    }
    g->reopen_at_ms = now_ms + GUARD_PAUSE_MS;
    log_warn("guard: closed the tcp listeners for %d ms reason=%s open=%lld "
             "ceiling=%lld",
             GUARD_PAUSE_MS, why, (long long)g->stats.open,
             (long long)g->ceiling);
}

/* Counts one event on endpoint ep (len bytes). */
static void s_event(guard_t *g, uint16_t ev, uint32_t value, const char *ep,
                    size_t len, int64_t now_ms)
{
    s_listener_t *l = s_listener(g, ep, len);
    if (ev == ZMQ_EVENT_ACCEPTED) {
        g->stats.accepted++;
        if (l)
            l->open++;
    } else if (ev == ZMQ_EVENT_DISCONNECTED) {
        if (l && l->open > 0 && !(l->tcp && g->reopen_at_ms))
            l->open--;
    } else if (ev == ZMQ_EVENT_ACCEPT_FAILED) {
        g->stats.accept_failed++;
        if (value == EMFILE || value == ENFILE || value == ENOBUFS ||
            value == ENOMEM)
            s_close(g, now_ms, value == EMFILE || value == ENFILE
                                   ? "no_descriptors"
                                   : "no_memory");
    } else if (ev != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) { /* zap logs those */
        g->stats.refused_handshake++;
        char detail[32];
        snprintf(detail, sizeof detail, "code=%u", value);
        tally_add(g->refused,
                  ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "handshake-protocol"
                                                            : "handshake-failed",
                  NULL, detail, now_ms);
    }
}

/* Receives one event; false when none waits. */
static bool s_recv(guard_t *g, int64_t now_ms)
{
    zmq_msg_t head, addr;
    zmq_msg_init(&head);
    zmq_msg_init(&addr);
    bool got = zmq_msg_recv(&head, g->mon, ZMQ_DONTWAIT) >= 0;
    if (got && zmq_msg_more(&head) &&
        zmq_msg_recv(&addr, g->mon, ZMQ_DONTWAIT) >= 0 &&
        zmq_msg_size(&head) == 6) {
        const unsigned char *d = zmq_msg_data(&head);
        uint16_t ev;
        uint32_t value;
        memcpy(&ev, d, 2);
        memcpy(&value, d + 2, 4);
        s_event(g, ev, value, zmq_msg_data(&addr), zmq_msg_size(&addr),
                now_ms);
    }
    zmq_msg_close(&head);
    zmq_msg_close(&addr);
    return got;
}

static int64_t s_reopen(guard_t *g, int64_t now_ms);

void guard_handle(guard_t *g, int64_t now_ms)
{
    for (int i = 0; i < S_EVENTS_PER_CALL && s_recv(g, now_ms); i++)
        ;
    int64_t open = 0;
    for (size_t i = 0; i < g->n; i++)
        open += g->ls[i].open;
    g->stats.open = open;
    if (g->ceiling > 0 && open >= g->ceiling)
        s_close(g, now_ms, "ceiling");
}

int64_t guard_tick(guard_t *g, int64_t now_ms)
{
    int64_t log = tally_flush(g->refused, now_ms);
    int64_t reopen = s_reopen(g, now_ms);
    return log < 0 ? reopen : reopen < 0 || log < reopen ? log : reopen;
}

const tally_t *guard_refusals(const guard_t *g)
{
    return g->refused;
}

/* Binds closed listeners again when their pause is over; the ms until
 * then, or -1. */
static int64_t s_reopen(guard_t *g, int64_t now_ms)
{
    if (!g->reopen_at_ms)
        return -1;
    if (now_ms < g->reopen_at_ms)
        return g->reopen_at_ms - now_ms;
    bool all = true;
    for (size_t i = 0; i < g->n; i++) {
        if (!g->ls[i].tcp)
            continue;
        if (zmq_bind(g->intake, g->ls[i].endpoint) != 0 && errno != EADDRINUSE) {
            log_err("guard: cannot reopen endpoint=%s error=\"%s\"",
                    g->ls[i].endpoint, zmq_strerror(errno));
            all = false;
        }
    }
    if (!all) {
        g->reopen_at_ms = now_ms + GUARD_PAUSE_MS;
        return GUARD_PAUSE_MS;
    }
    g->reopen_at_ms = 0;
    log_notice("guard: reopened the tcp listeners");
    return -1;
}

guard_stats_t guard_stats(const guard_t *g)
{
    return g->stats;
}

void guard_destroy(guard_t **p)
{
    if (!p || !*p)
        return;
    guard_t *g = *p;
    if (g->mon) {
        zmq_socket_monitor(g->intake, NULL, 0);
        zmq_close(g->mon);
    }
    for (size_t i = 0; i < g->n; i++)
        free(g->ls[i].endpoint);
    free(g->ls);
    tally_destroy(&g->refused);
    free(g);
    *p = NULL;
}

/*
 * zwait — zmq_poll with fewer system calls (see zwait.h).
 */
#include "zwait.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define S_ITEMS_MAX 16

void zwait_init(zwait_t *w)
{
    memset(w, 0, sizeof *w);
}

void zwait_touch(zwait_t *w, void *sock)
{
    for (int i = 0; i < ZWAIT_MAX; i++)
        if (w->slot[i].sock == sock)
            w->slot[i].idle = false;
}

void zwait_touch_all(zwait_t *w)
{
    for (int i = 0; i < ZWAIT_MAX; i++)
        w->slot[i].idle = false;
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The slot of sock with descriptor fd (a new socket, or another one
 * with the same address, starts not idle), or -1 when all are taken. */
static int s_slot(zwait_t *w, void *sock, int fd)
{
    int free_slot = -1;
    for (int i = 0; i < ZWAIT_MAX; i++) {
        if (w->slot[i].sock == sock) {
            if (w->slot[i].fd != fd) {
                w->slot[i].fd = fd;
                w->slot[i].idle = false;
            }
            return i;
        }
        if (!w->slot[i].sock && free_slot < 0)
            free_slot = i;
    }
    if (free_slot >= 0) {
        w->slot[free_slot].sock = sock;
        w->slot[free_slot].fd = fd;
        w->slot[free_slot].idle = false;
    }
    return free_slot;
}

/* Asks item's socket for its events; records it idle when it has none
 * of those asked. Returns 1 when it has some, 0 when not, -1 on error. */
static int s_ask(zwait_t *w, int slot, zmq_pollitem_t *item)
{
    uint32_t ev = 0;
    size_t len = sizeof ev;
    if (zmq_getsockopt(item->socket, ZMQ_EVENTS, &ev, &len) < 0)
        return -1;
    item->revents = (short)(ev & (uint32_t)item->events &
                            (ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR));
    if (slot >= 0) {
        w->slot[slot].idle = item->revents == 0;
        w->slot[slot].events = item->events;
    }
    return item->revents != 0;
}

int zwait_poll(zwait_t *w, zmq_pollitem_t *items, int n, long timeout_ms)
{
    if (n < 0 || n > S_ITEMS_MAX) {
        errno = EINVAL;
        return -1;
    }
    struct pollfd pfd[S_ITEMS_MAX];
    int slot[S_ITEMS_MAX];
    int ready = 0, plain = 0;
    /* The sockets that may have something: every one not known idle
     * for the events asked now. */
    for (int i = 0; i < n; i++) {
        items[i].revents = 0;
        pfd[i] = (struct pollfd){.fd = -1};
        slot[i] = -1;
        if (!items[i].events)
            continue;
        if (!items[i].socket) {
            pfd[i].fd = items[i].fd;
            pfd[i].events = (short)((items[i].events & ZMQ_POLLIN ? POLLIN
                                                                  : 0) |
                                    (items[i].events & ZMQ_POLLOUT ? POLLOUT
                                                                   : 0) |
                                    (items[i].events & ZMQ_POLLPRI ? POLLPRI
                                                                   : 0));
            plain++;
            continue;
        }
        int fd = -1;
        size_t len = sizeof fd;
        if (zmq_getsockopt(items[i].socket, ZMQ_FD, &fd, &len) < 0)
            return -1;
        pfd[i].fd = fd;
        pfd[i].events = POLLIN;
        slot[i] = s_slot(w, items[i].socket, fd);
        bool idle = slot[i] >= 0 && w->slot[slot[i]].idle &&
                    (items[i].events & ~w->slot[slot[i]].events) == 0;
        if (!idle) {
            int rc = s_ask(w, slot[i], &items[i]);
            if (rc < 0)
                return -1;
            ready += rc;
        }
    }
    if (ready && !plain)
        return ready; /* no descriptor to look at: no poll at all */
    int64_t end = timeout_ms > 0 ? s_now_ms() + timeout_ms : 0;
    for (;;) {
        long wait = ready ? 0 : timeout_ms;
        if (!ready && timeout_ms > 0) {
            int64_t left = end - s_now_ms();
            wait = left > 0 ? (long)left : 0;
        }
        int rc = poll(pfd, (nfds_t)n, wait > INT32_MAX ? INT32_MAX : (int)wait);
        if (rc < 0) {
            if (ready && errno == EINTR)
                return ready;
            return -1;
        }
        for (int i = 0; i < n && rc > 0; i++) {
            if (!pfd[i].revents || items[i].revents)
                continue;
            if (!items[i].socket) {
                short r = pfd[i].revents;
                items[i].revents =
                    (short)((r & POLLIN ? ZMQ_POLLIN : 0) |
                            (r & POLLOUT ? ZMQ_POLLOUT : 0) |
                            (r & POLLPRI ? ZMQ_POLLPRI : 0) |
                            (r & ~(POLLIN | POLLOUT | POLLPRI) ? ZMQ_POLLERR
                                                               : 0));
                ready += items[i].revents != 0;
                continue;
            }
            /* Its mailbox has something: ask it. */
            int got = s_ask(w, slot[i], &items[i]);
            if (got < 0)
                return -1;
            ready += got;
        }
        if (ready || timeout_ms == 0)
            return ready;
        if (timeout_ms > 0 && s_now_ms() >= end)
            return 0;
    }
}

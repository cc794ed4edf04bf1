/*
 * zwait — zmq_poll for a loop that waits on the same few sockets again
 * and again, with fewer system calls. zmq_poll asks every socket for
 * its ZMQ_EVENTS before and again after it blocks, and each ask is two
 * system calls (libzmq's fork check and a poll of the socket's mailbox);
 * with three or four sockets that is most of a lightly loaded thread's
 * time. zwait remembers which sockets it found with nothing to report
 * and asks those again only when their ZMQ_FD (libzmq's mailbox, which
 * becomes readable when anything reaches the socket) says so.
 *
 * The one rule for its user: a send or receive on a socket may take in
 * the signal of a message that came meanwhile, so after using a socket
 * that zwait_poll did not report ready, call zwait_touch (or
 * zwait_touch_all after anything that may have used any). Sockets it
 * reported ready are asked again anyway. One zwait_t per thread; no
 * allocation.
 */
#ifndef REGIE_ZWAIT_H
#define REGIE_ZWAIT_H

#include <stdbool.h>
#include <zmq.h>

#define ZWAIT_MAX 8 /* sockets remembered; more are asked every time */

typedef struct {
    struct {
        void *sock;   /* NULL: free */
        int fd;       /* its ZMQ_FD when last seen */
        short events; /* what was asked when it was found idle */
        bool idle;    /* nothing to report, and not used since */
    } slot[ZWAIT_MAX];
} zwait_t;

/* An empty state (no socket known yet). */
void zwait_init(zwait_t *w);

/* As zmq_poll(items, n, timeout_ms): items may be ZeroMQ sockets or
 * plain descriptors (fd with socket NULL); an item with no events is
 * left out. Returns the number of items with revents, 0 on timeout, -1
 * with errno (EINTR, ETERM, ...). At most 16 items. */
int zwait_poll(zwait_t *w, zmq_pollitem_t *items, int n, long timeout_ms);

/* sock was used (a send or a receive) although zwait_poll did not report
 * it: ask it again next time. */
void zwait_touch(zwait_t *w, void *sock);

/* Every socket is asked again next time. */
void zwait_touch_all(zwait_t *w);

#endif

/*
 * conn — one connection of an adapter to regied: a ZMQ_REQ socket with
 * CURVE client keys, and a monitor of its connection events so that a
 * failure can be told apart (nothing listening, key refused, handshake
 * failed). It sends the four frames of a request and receives the frames
 * of a reply; retrying is the adapter's business: a connection that lost
 * a request is destroyed, not repaired (the Lazy Pirate pattern). Used by
 * the adapter's thread only.
 */
#ifndef REGIE_CONN_H
#define REGIE_CONN_H

#include <stddef.h>
#include <stdint.h>

typedef struct conn conn_t;

/* The CURVE keys of a connection, in Z85 (40 characters). */
typedef struct {
    const char *server;     /* the daemon's public key */
    const char *public_key; /* this partner's public key */
    const char *secret_key; /* this partner's secret key */
} conn_keys_t;

/* How a wait ended. */
typedef enum {
    CONN_READY,   /* the socket has what was waited for */
    CONN_TIMEOUT, /* the deadline passed, or the daemon refused our key */
    CONN_LOST,    /* the connection broke after the request was sent */
    CONN_WOKEN,   /* the wake descriptor became readable */
    CONN_ERROR    /* zmq_poll failed; errno says why */
} conn_wait_t;

/* The frames of a reply: how many, and the first four, each copied with a
 * NUL added after its len bytes. */
typedef struct {
    int n;
    char *part[4];
    size_t len[4];
} conn_frames_t;

/* Milliseconds of the monotonic clock, for deadlines. */
int64_t conn_now_ms(void);

/* Makes a REQ socket in ctx (ZMQ_LINGER 0, ZMQ_IMMEDIATE so that nothing
 * is queued before the handshake, CURVE client keys), monitors it and
 * connects it to endpoint; the handshake goes on in the background. The
 * strings are copied. Returns the connection, or NULL with a sentence in
 * err (errlen bytes). */
conn_t *conn_new(void *ctx, const char *endpoint, const conn_keys_t *keys,
                 char *err, size_t errlen);

/* Closes the socket and its monitor at once (unsent and unread messages
 * are dropped), frees the connection and sets *p to NULL. Accepts NULL
 * and *p == NULL. */
void conn_destroy(conn_t **p);

/* Waits until the socket can send (ZMQ_POLLOUT: connected and past the
 * handshake) or has a reply (ZMQ_POLLIN), at most until deadline (of
 * conn_now_ms), watching wake_fd too. A refused key ends a ZMQ_POLLOUT
 * wait early (CONN_TIMEOUT); a broken connection ends a ZMQ_POLLIN wait
 * (CONN_LOST). Returns how the wait ended. */
conn_wait_t conn_wait(conn_t *self, short events, int64_t deadline,
                      int wake_fd);

/* Sends "RRP1", command, corr and the body (len bytes) as one request,
 * without blocking; call it after conn_wait(ZMQ_POLLOUT) was READY.
 * Returns 0, or -1 with errno set. */
int conn_send(conn_t *self, const char *command, const char *corr,
              const char *body, size_t len);

/* Receives all frames of the reply that is waiting (after conn_wait
 * (ZMQ_POLLIN) was READY) into *f, which the caller then clears. Returns
 * 0, or -1 with errno set and *f cleared. */
int conn_recv(conn_t *self, conn_frames_t *f);

/* Frees the frames' copies and zeroes *f; accepts a zeroed one. */
void conn_frames_clear(conn_frames_t *f);

/* Writes into buf (len bytes) a sentence for people on why the connection
 * is not (or no longer) ready, from the last event of the socket. */
void conn_why(const conn_t *self, char *buf, size_t len);

#endif

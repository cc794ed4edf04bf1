/*
 * adapter — the client side of RRP/1 that every partner adapter shares:
 * send one request to regied and wait for its reply, the Lazy Pirate way
 * (a REQ socket with CURVE; on a timeout the socket is closed, a new one
 * connects, and after a doubling backoff the same request is sent again,
 * a bounded number of times). An adapter_t owns its ZeroMQ context, the
 * socket and the keys, and is used by one thread; only adapter_stop may
 * be called from elsewhere (a signal handler).
 */
#ifndef REGIE_ADAPTER_H
#define REGIE_ADAPTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define ADAPTER_DEFAULT_ENDPOINT "tcp://127.0.0.1:5710"
#define ADAPTER_DEFAULT_TIMEOUT_MS 5000
#define ADAPTER_DEFAULT_ATTEMPTS 5
#define ADAPTER_DEFAULT_BACKOFF_MS 250
#define ADAPTER_DEFAULT_BACKOFF_MAX_MS 8000
#define ADAPTER_MAX_MS 3600000  /* one hour: most any delay may be */
#define ADAPTER_MAX_ATTEMPTS 1000
/* RRP/1's default transport limit; a larger body would be dropped by
 * ZeroMQ without an answer, so it is refused here without sending. */
#define ADAPTER_MAX_BODY 131072
#define ADAPTER_CORR_LEN 32     /* correlation id: 16 random bytes in hex */

typedef struct adapter adapter_t;

/* How to reach the daemon. Strings are borrowed: they must stay valid
 * until adapter_new returns. */
typedef struct {
    const char *endpoint;        /* tcp://host:port or ipc://path */
    const char *server_key;      /* the daemon's public key in Z85, or */
    const char *server_key_file; /* ... a file holding it (NAME.pub) */
    const char *key_file;        /* this partner's secret key (NAME.key) */
    int timeout_ms;              /* one attempt: connect, send, reply */
    int attempts;                /* sends of one request, at least 1 */
    int backoff_ms;              /* wait before the 2nd attempt */
    int backoff_max_ms;          /* the doubling wait stops growing here */
} adapter_opts_t;

typedef enum {
    ADAPTER_ACK = 0,   /* ACK or PONG: done, stored (reply holds the body) */
    ADAPTER_REFUSED,   /* NACK retry:false: never send it again as it is */
    ADAPTER_TEMPORARY  /* not done: NACK retry:true, no (usable) reply, or
                        * stopped; send it again later */
} adapter_status_t;

/* The outcome of one request. Everything in it is owned by it and freed by
 * adapter_result_clear. */
typedef struct {
    adapter_status_t status;
    char word[8];      /* reply status: "ACK", "PONG", "NACK"; "" if none */
    json_t *reply;     /* the reply body (an object), or NULL */
    const char *error; /* NACK: "error" of reply (borrowed from reply) */
    const char *message; /* NACK: "message", or NULL (borrowed) */
    const char *field; /* NACK: "field", or NULL (borrowed) */
    char *reason;      /* REFUSED and TEMPORARY: a sentence for people */
    int attempts;      /* how many times the request was sent */
    bool local;        /* refused here, without sending */
    bool stopped;      /* TEMPORARY because adapter_stop was called */
    char corr[ADAPTER_CORR_LEN + 1]; /* the request's correlation id */
} adapter_result_t;

/* Fills opts with the defaults above, then takes the endpoint, the server
 * key file and the key file from the environment variables REGIE_ENDPOINT,
 * REGIE_SERVER_KEY and REGIE_KEY when they are set and not empty. The
 * strings then point into the environment. */
void adapter_opts_init(adapter_opts_t *opts);

/* Checks opts without touching files or the network: an endpoint of the
 * form tcp://HOST:PORT or ipc://PATH (PATH under 108 bytes), exactly one
 * of server_key and server_key_file (a server_key that is valid Z85), a
 * key_file, 1..ADAPTER_MAX_MS for the timeout, 1..ADAPTER_MAX_ATTEMPTS
 * attempts, 0..ADAPTER_MAX_MS for both backoffs. Returns 0, or -1 with a
 * sentence in err (errlen bytes) naming the option. */
int adapter_opts_check(const adapter_opts_t *opts, char *err, size_t errlen);

/* Makes an adapter from opts (checked as by adapter_opts_check): reads the
 * key files and makes a ZeroMQ context; connects only on the first send.
 * Returns the adapter, or NULL with a sentence in err. */
adapter_t *adapter_new(const adapter_opts_t *opts, char *err, size_t errlen);

/* Closes the socket, ends the context, wipes the secret key, frees the
 * adapter and sets *p to NULL. Accepts NULL and *p == NULL. */
void adapter_destroy(adapter_t **p);

/* Sends one request: command "REFERRAL", "REPORT" or "PING" (anything
 * else is a programmer error) with body (len bytes; empty for PING; not
 * copied, not checked) and waits for the reply. Without a reply within
 * the timeout the socket is closed and, after the backoff, the same
 * request (same body, same correlation id) is sent on a new connection,
 * up to the configured attempts; a NACK with retry:true is also tried
 * again. A reply with another correlation id is ignored (the attempt
 * counts as lost); a reply that is not RRP/1 ends the request as
 * TEMPORARY. A body over ADAPTER_MAX_BODY is REFUSED (too_large) without
 * sending. Fills *result (which the caller clears afterwards) and returns
 * result->status. Blocks at most about attempts * (timeout + backoff
 * max); adapter_stop ends the wait at once. */
adapter_status_t adapter_send(adapter_t *self, const char *command,
                              const char *body, size_t len,
                              adapter_result_t *result);

/* Asks the adapter to stop: a wait in adapter_send ends at once with
 * TEMPORARY (result->stopped), and every later send does the same.
 * Async-signal-safe: made to be called from a SIGINT/SIGTERM handler. */
void adapter_stop(adapter_t *self);

/* Returns whether adapter_stop was called. */
bool adapter_stopped(const adapter_t *self);

/* Classifies a reply: status ("ACK", "PONG" or "NACK") and body (len
 * bytes, one JSON object) into result->status, ->word, ->reply, ->error,
 * ->message, ->field and ->reason. A NACK with "retry": false is REFUSED;
 * with "retry": true, or without a boolean retry, TEMPORARY; an ACK or
 * PONG is ACK; a body that is not a JSON object, or another status, is
 * TEMPORARY ("malformed reply"). Frees what result held before. Returns
 * result->status. */
adapter_status_t adapter_classify(const char *status, const char *body,
                                  size_t len, adapter_result_t *result);

/* Frees what result holds and zeroes it; accepts a zeroed result. */
void adapter_result_clear(adapter_result_t *result);

/* Returns "ACK", "REFUSED" or "TEMPORARY" (a static string). */
const char *adapter_status_name(adapter_status_t status);

#endif

/*
 * ctl — the local control socket of regied, served to regiectl: a ZMQ
 * ROUTER bound on ipc://PATH whose file mode decides who may use it
 * (never a TCP port). A request is one frame of JSON
 *   {"command": "case.assign", "args": {...}, "user": "alice"}
 * and its reply one frame, {"ok": true, "result": ...} or {"ok": false,
 * "error": "bad_request" | "not_found" | "conflict" | "unavailable",
 * "message": "..."}. Commands that change something run in one write
 * transaction, with the notifications they cause, and log one line.
 * Polled in the main loop; main thread only.
 */
#ifndef REGIE_CTL_H
#define REGIE_CTL_H

#include "cmd.h"

/* The largest request, in bytes; a larger one disconnects its peer.
 * Room for a batch of an import (regiectl import sends at most 1 MiB in
 * one request: IMPBATCH_BYTES in regiectl/impbatch.h), and for 10,000
 * lines in one import.run (about 2.5 MB); the socket is local, and
 * whoever may write to it may do anything regiectl can. It was 64 KiB. */
#define CTL_REQUEST_MAX (4 * 1024 * 1024)

typedef struct ctl ctl_t;

/* Binds a ROUTER on ipc://path in zmq_ctx and sets the socket file's mode
 * (0 or less: 0660). Refuses a path where another process is listening.
 * env is copied (its pointers stay borrowed). Returns the control socket,
 * or NULL after logging why. */
ctl_t *ctl_new(void *zmq_ctx, const char *path, int mode, const cmd_env_t *env);

/* Uses env from the next request on (after a reload). */
void ctl_set_env(ctl_t *c, const cmd_env_t *env);

/* The socket to poll for ZMQ_POLLIN. Borrowed for the life of c. */
void *ctl_socket(ctl_t *c);

/* Answers the requests waiting on the socket (at most a few dozen per
 * call, so the intake is not starved). Never blocks: a reply that cannot
 * be sent at once is dropped (the client times out). */
void ctl_handle(ctl_t *c);

/* Answers one request, the len bytes at body (one frame's JSON, not
 * NUL-terminated), on env: parses it, checks its shape, runs its command
 * with cmdrun_run and logs a change it made with uid (borrowed; the
 * peer's uid, or "?") as the peer. The body and the parsed request are
 * wiped (zeroed) afterwards: they may hold a BSN. Returns the reply, one
 * JSON object as text, for the caller to free; a refused request is an
 * error reply, never NULL. ctl_handle calls it for each request; the
 * tests and the fuzzer call it without a socket. */
char *ctl_answer(const cmd_env_t *env, void *body, size_t len, const char *uid);

/* Closes the socket, removes the socket file and frees; sets *p to NULL;
 * accepts NULL. */
void ctl_destroy(ctl_t **p);

#endif

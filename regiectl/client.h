/*
 * client — the client side of the control socket, for regiectl: sends
 * one request to regied over ipc:// from a REQ socket and waits a bounded
 * time for the reply, telling apart "nobody listens there" (at once,
 * with the system's reason), "no answer in time" and "an answer that is
 * not the protocol's". Owns its ZeroMQ context for the call; no state.
 */
#ifndef REGIE_CLIENT_H
#define REGIE_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#define CLIENT_DEFAULT_PATH "/run/regie/control"

typedef enum {
    CLIENT_OK = 0,
    CLIENT_UNREACHABLE, /* nothing listens at the path, or no access */
    CLIENT_NO_ANSWER,   /* sent, but no reply within the timeout */
    CLIENT_BAD_REPLY    /* a reply that is not {"ok": ...} JSON */
} client_status_t;

/* The socket file of an endpoint: path as given, or without "ipc://".
 * Borrowed from endpoint. */
const char *client_path(const char *endpoint);

/* Sends request (len bytes of JSON; the caller wipes it afterwards if it
 * holds a secret) to the control socket at path and waits up to
 * timeout_ms for the reply. Returns CLIENT_OK with *reply set to the
 * parsed reply (new reference; "ok" is a boolean, and an error reply has
 * string "error" and "message"), or another status with why (len >= 64)
 * saying what went wrong, for a person. */
client_status_t client_call(const char *path, const char *request, size_t len,
                            int timeout_ms, json_t **reply, char *why,
                            size_t why_len);

#endif

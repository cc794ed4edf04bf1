/*
 * client — one request and its reply on the control socket.
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

const char *client_path(const char *endpoint)
{
    return strncmp(endpoint, "ipc://", 6) == 0 ? endpoint + 6 : endpoint;
}

/* Connects to path with a plain unix socket, so that a missing daemon or
 * a missing permission is told at once and precisely (ZeroMQ would only
 * retry in silence). Returns 0, or -1 with why set. */
static int s_probe(const char *path, char *why, size_t len)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(why, len, "the path is longer than %zu bytes",
                 sizeof a.sun_path - 1);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        snprintf(why, len, "%s%s", strerror(e),
                 e == EACCES ? " (may you use the control socket? ask to be "
                               "put in its group)"
                             : "");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Checks the reply's shape: {"ok": true, "result": ...} or {"ok": false,
 * "error": "...", "message": "..."}. */
static int s_shape(const json_t *r)
{
    const json_t *ok = json_object_get(r, "ok");
    if (json_is_true(ok))
        return json_object_get(r, "result") ? 0 : -1;
    return json_is_false(ok) && json_is_string(json_object_get(r, "error")) &&
                   json_is_string(json_object_get(r, "message"))
               ? 0
               : -1;
}

/* Sends request on a connected REQ socket and reads the reply. */
static client_status_t s_exchange(void *sock, const char *request, size_t len,
                                  int timeout_ms, json_t **reply, char *why,
                                  size_t wlen)
{
    if (zmq_send(sock, request, len, 0) < 0) {
        snprintf(why, wlen, "cannot send: %s", zmq_strerror(errno));
        return CLIENT_NO_ANSWER;
    }
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll(&item, 1, timeout_ms);
    if (rc <= 0) {
        snprintf(why, wlen, "%s",
                 rc < 0 ? zmq_strerror(errno) : "no answer in time");
        return CLIENT_NO_ANSWER;
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, 0) < 0) {
        snprintf(why, wlen, "cannot receive: %s", zmq_strerror(errno));
        zmq_msg_close(&msg);
        return CLIENT_NO_ANSWER;
    }
    json_error_t err;
    *reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg),
                        JSON_REJECT_DUPLICATES, &err);
    zmq_msg_close(&msg);
    if (!*reply || s_shape(*reply) < 0) {
        json_decref(*reply);
        *reply = NULL;
        snprintf(why, wlen, "the reply is not the control protocol's");
        return CLIENT_BAD_REPLY;
    }
    return CLIENT_OK;
}

client_status_t client_call(const char *path, const char *request, size_t len,
                            int timeout_ms, json_t **reply, char *why,
                            size_t why_len)
{
    *reply = NULL;
    if (s_probe(path, why, why_len) < 0)
        return CLIENT_UNREACHABLE;
    void *ctx = zmq_ctx_new();
    void *sock = ctx ? zmq_socket(ctx, ZMQ_REQ) : NULL;
    int zero = 0;
    char ep[128];
    snprintf(ep, sizeof ep, "ipc://%s", path);
    client_status_t st = CLIENT_UNREACHABLE;
    if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) !=
            0 ||
        zmq_connect(sock, ep) != 0)
        snprintf(why, why_len, "%s", zmq_strerror(errno));
    else
        st = s_exchange(sock, request, len, timeout_ms, reply, why, why_len);
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    return st;
}

/*
 * ctl — the control socket: binding, framing, request parsing, replies
 * and the log line of each change; the commands are cmdrun's. Main thread
 * only.
 */
#include "ctl.h"

#include "cmdrun.h"
#include "jwipe.h"
#include "log.h"
#include "utf8.h"
#include "xmem.h"
#include "zframes.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#define S_MODE_DEFAULT 0660
#define S_PER_CALL 32  /* requests answered per ctl_handle */
#define S_FRAMES_MAX 4 /* identity, delimiter, body, and one too many */
#define S_USER_MAX 32

struct ctl {
    void *sock;    /* ROUTER bound on ipc://path */
    char *path;    /* the socket file, removed at destroy */
    cmd_env_t env; /* what the commands work on; swapped on reload */
};

/* One received message: the frames kept, and how many came. */
typedef struct {
    zmq_msg_t frames[S_FRAMES_MAX];
    int n;
    int total;
} s_msg_t;

/* Whether a process listens on the unix socket at path already. */
static bool s_in_use(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return false;
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool used = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return used;
}

/* Makes the ROUTER socket with its options and binds it. */
static int s_bind(ctl_t *c, void *zmq_ctx)
{
    int one = 1, zero = 0;
    int64_t max = CTL_REQUEST_MAX;
    char *ep = xasprintf("ipc://%s", c->path);
    int rc = -1;
    c->sock = zmq_socket(zmq_ctx, ZMQ_ROUTER);
    if (!c->sock ||
        zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) ||
        zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero) ||
        zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max))
        log_err("ctl: cannot set up the control socket error=\"%s\"",
                zmq_strerror(errno));
    else if (zmq_bind(c->sock, ep) != 0)
        log_err("ctl: cannot bind the control socket path=%s error=\"%s\"",
                c->path, zmq_strerror(errno));
    else
        rc = 0;
    free(ep);
    return rc;
}

ctl_t *ctl_new(void *zmq_ctx, const char *path, int mode, const cmd_env_t *env)
{
    if (s_in_use(path)) {
        log_err("ctl: another process listens on the control socket "
                "path=%s; is regied running already?",
                path);
        return NULL;
    }
    ctl_t *c = xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->env = *env;
    mode = mode > 0 ? mode : S_MODE_DEFAULT;
    if (s_bind(c, zmq_ctx) < 0) {
        ctl_destroy(&c);
        return NULL;
    }
    if (chmod(path, (mode_t)mode) != 0) {
        log_err("ctl: cannot set the mode of the control socket path=%s "
                "mode=%04o error=\"%s\"",
                path, mode, strerror(errno));
        ctl_destroy(&c);
        return NULL;
    }
    log_info("ctl: listening path=%s mode=%04o", path, mode);
    return c;
}

void ctl_set_env(ctl_t *c, const cmd_env_t *env)
{
    c->env = *env;
}

void *ctl_socket(ctl_t *c)
{
    return c->sock;
}

void ctl_destroy(ctl_t **p)
{
    if (!p || !*p)
        return;
    ctl_t *c = *p;
    if (c->sock) {
        zmq_close(c->sock);
        if (unlink(c->path) != 0 && errno != ENOENT)
            log_warn("ctl: cannot remove the control socket path=%s "
                     "error=\"%s\"",
                     c->path, strerror(errno));
    }
    free(c->path);
    free(c);
    *p = NULL;
}

/* ------------------------------------------------------------ requests */

/* The reply to a refused request, as JSON text (caller frees). */
static char *s_error_reply(const problem_t *pb)
{
    problem_code_t code = pb->code ? pb->code : PROBLEM_UNAVAILABLE;
    char message[sizeof pb->message];
    json_t *o = json_pack(
        "{s:b, s:s, s:s}", "ok", 0, "error", problem_name(code), "message",
        pb->code ? utf8_repair(pb->message, message, sizeof message)
                 : "internal error");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* The user regiectl claims, when it is a plain account name; else "?". */
static const char *s_user(json_t *req)
{
    const char *u = json_string_value(json_object_get(req, "user"));
    if (!u || !*u || strlen(u) > S_USER_MAX ||
        strspn(u, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") != strlen(u))
        return "?";
    return u;
}

/* The peer's uid as libzmq reports it for ipc ("...:uid:gid:pid"). */
static void s_peer_uid(zmq_msg_t *frame, char *out, size_t len)
{
    const char *a = zmq_msg_gets(frame, "Peer-Address");
    const char *p = a ? strchr(a, ':') : NULL;
    size_t n = p ? strspn(p + 1, "0123456789") : 0;
    if (n == 0 || n >= len)
        snprintf(out, len, "?");
    else
        snprintf(out, len, "%.*s", (int)n, p + 1);
}

/* Checks the shape of a request; returns its command or NULL with pb
 * set. args is set to the arguments (borrowed) or an empty object. */
static const char *s_shape(json_t *req, json_t **args, problem_t *pb)
{
    const char *key;
    json_t *v;
    if (!json_is_object(req)) {
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "a request is a JSON object {\"command\", \"args\", "
                    "\"user\"}");
        return NULL;
    }
    json_object_foreach(req, key, v)
    {
        if (strcmp(key, "command") && strcmp(key, "args") &&
            strcmp(key, "user")) {
            problem_set(pb, PROBLEM_BAD_REQUEST,
                        "a request has no member '%.40s'", key);
            return NULL;
        }
    }
    const char *cmd = json_string_value(json_object_get(req, "command"));
    *args = json_object_get(req, "args");
    if (!cmd)
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "command is required and must be a string");
    else if (*args && !json_is_object(*args))
        problem_set(pb, PROBLEM_BAD_REQUEST, "args must be an object");
    return pb->code ? NULL : cmd;
}

/* Runs a well-formed request; returns the reply text (caller frees) and
 * logs the change it made. uid names the peer in that line. */
static char *s_run(const cmd_env_t *env, json_t *req, const char *cmd,
                   json_t *args, const char *uid)
{
    json_t *empty = args ? NULL : json_object();
    cmd_out_t out;
    char *reply;
    if (cmdrun_run(env, cmd, args ? args : empty, s_user(req), &out) == 0) {
        if (out.change[0])
            log_info("ctl: %s user=%s uid=%s", out.change, s_user(req), uid);
        /* The zone of the daemon's times, so regiectl shows them as the
         * emails and the daemon do. */
        json_t *o = json_pack("{s:b, s:O, s:s}", "ok", 1, "result", out.result,
                              "timezone", env->cfg->timezone);
        reply = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    } else {
        bool plain = strspn(cmd, "abcdefghijklmnopqrstuvwxyz.") == strlen(cmd);
        log_debug("ctl: refused command=%s error=%s", plain ? cmd : "?",
                  problem_name(out.pb.code));
        reply = s_error_reply(&out.pb);
    }
    cmdrun_out_clear(&out);
    json_decref(empty);
    return reply;
}

char *ctl_answer(const cmd_env_t *env, void *body, size_t len, const char *uid)
{
    json_error_t err;
    problem_t pb = {0};
    json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    sodium_memzero(body, len);
    json_t *args = NULL;
    const char *cmd = NULL;
    if (!req)
        problem_set(&pb, PROBLEM_BAD_REQUEST, /* err.text may quote it */
                    "the request is not valid JSON (UTF-8, no duplicate "
                    "keys), see line %d column %d",
                    err.line, err.column);
    else
        cmd = s_shape(req, &args, &pb);
    char *reply = cmd ? s_run(env, req, cmd, args, uid) : s_error_reply(&pb);
    jwipe(req);
    json_decref(req);
    return reply;
}

/* Answers one request frame of the socket (see ctl_answer). */
static char *s_answer(ctl_t *c, zmq_msg_t *body)
{
    char uid[16];
    s_peer_uid(body, uid, sizeof uid);
    return ctl_answer(&c->env, zmq_msg_data(body), zmq_msg_size(body), uid);
}

/* ------------------------------------------------------------ frames */

/* Sends reply to the peer of m (identity, delimiter, reply) without
 * waiting; a peer that is gone or full will time out. */
static void s_send(ctl_t *c, s_msg_t *m, const char *reply)
{
    zmq_msg_t *id = &m->frames[0];
    int flags = ZMQ_SNDMORE | ZMQ_DONTWAIT;
    if (zmq_send(c->sock, zmq_msg_data(id), zmq_msg_size(id), flags) < 0 ||
        zmq_send(c->sock, "", 0, flags) < 0 ||
        zmq_send(c->sock, reply, strlen(reply), ZMQ_DONTWAIT) < 0)
        log_info("ctl: reply dropped reason=\"%s\"", zmq_strerror(errno));
}

/* Answers one message: a REQ's is identity, empty delimiter, one body. */
static void s_one(ctl_t *c, s_msg_t *m)
{
    char *reply;
    if (m->total == 3 && zmq_msg_size(&m->frames[1]) == 0) {
        reply = s_answer(c, &m->frames[2]);
    } else {
        problem_t pb;
        problem_set(&pb, PROBLEM_BAD_REQUEST,
                    "a request is one frame of JSON sent from a REQ socket "
                    "(got %d frames)",
                    m->total - 1);
        for (int i = 1; i < m->n; i++) /* may hold a BSN */
            sodium_memzero(zmq_msg_data(&m->frames[i]),
                           zmq_msg_size(&m->frames[i]));
        reply = s_error_reply(&pb);
    }
    s_send(c, m, reply);
    free(reply);
}

void ctl_handle(ctl_t *c)
{
    s_msg_t m;
    for (int i = 0; i < S_PER_CALL; i++) {
        if (!zframes_recv(c->sock, m.frames, S_FRAMES_MAX, &m.n, &m.total))
            break;
        s_one(c, &m);
        zframes_close(m.frames, &m.n);
    }
}

/*
 * zap — ZAP handler on a REP socket, answering 200 or 400 (never 300:
 * libzmq issue 2329). Main thread only.
 */
#include "zap.h"

#include "clock.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 7 /* version, id, domain, address, identity, mech, key */

struct zap {
    void *sock;       /* REP bound on ZAP_ENDPOINT */
    const cfg_t *cfg; /* borrowed: the partners and their keys */
    tally_t *refused; /* refusals, summed up in the log */
};

zap_t *zap_new(void *ctx, const cfg_t *cfg)
{
    zap_t *z = xcalloc(1, sizeof *z);
    z->cfg = cfg;
    z->refused = tally_new("zap", ZAP_LOG_INTERVAL_MS);
    z->sock = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    if (!z->sock ||
        zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
        log_err("zap: cannot bind endpoint=%s error=\"%s\"", ZAP_ENDPOINT,
                zmq_strerror(errno));
        zap_destroy(&z);
        return NULL;
    }
    return z;
}

void zap_set_cfg(zap_t *z, const cfg_t *cfg)
{
    z->cfg = cfg;
}

int64_t zap_flush(zap_t *z, int64_t now_ms)
{
    return tally_flush(z->refused, now_ms);
}

const tally_t *zap_refusals(const zap_t *z)
{
    return z->refused;
}

void *zap_socket(zap_t *z)
{
    return z->sock;
}

/* Sends one frame; more says whether others follow. */
static int s_send(void *sock, const void *data, size_t len, int more)
{
    return zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

/* Replies to request req of n frames (the request id is frame 2). */
static void s_reply(zap_t *z, zmq_msg_t *req, int n, const char *code,
                    const char *text, const char *user)
{
    const void *id = n >= 2 ? zmq_msg_data(&req[1]) : "";
    size_t id_len = n >= 2 ? zmq_msg_size(&req[1]) : 0;
    if (s_send(z->sock, "1.0", 3, 1) < 0 ||
        s_send(z->sock, id, id_len, 1) < 0 || s_send(z->sock, code, 3, 1) < 0 ||
        s_send(z->sock, text, strlen(text), 1) < 0 ||
        s_send(z->sock, user, strlen(user), 1) < 0 ||
        s_send(z->sock, "", 0, 0) < 0)
        log_err("zap: cannot reply error=\"%s\"", zmq_strerror(errno));
}

/* Decides one request whose frames are in req (n of them). */
static void s_decide(zap_t *z, zmq_msg_t *req, int n)
{
    char address[64] = "?";
    if (n >= 4)
        snprintf(address, sizeof address, "%.*s", (int)zmq_msg_size(&req[3]),
                 (char *)zmq_msg_data(&req[3]));
    if (n != ZAP_FRAMES || zmq_msg_size(&req[0]) != 3 ||
        zmq_msg_size(&req[5]) != 5 ||
        memcmp(zmq_msg_data(&req[5]), "CURVE", 5) != 0 ||
        zmq_msg_size(&req[6]) != 32) {
        tally_add(z->refused, "not-curve", address, NULL, clock_mono_ms());
        s_reply(z, req, n, "400", "CURVE required", "");
        return;
    }
    char key[KEYS_Z85_LEN + 1];
    zmq_z85_encode(key, zmq_msg_data(&req[6]), 32);
    const cfg_partner_t *p = cfg_partner_by_key(z->cfg, key);
    if (!p) {
        char detail[KEYS_Z85_LEN + 8];
        snprintf(detail, sizeof detail, "key=%s", key);
        tally_add(z->refused, "unknown-key", address, detail,
                  clock_mono_ms());
        s_reply(z, req, n, "400", "unknown key", "");
        return;
    }
    log_debug("zap: admitted partner=%s address=%s", p->id, address);
    s_reply(z, req, n, "200", "OK", p->id);
}

/* Reads one whole request (at most 8 frames kept). Returns the frame
 * count, or -1 when nothing was waiting. */
static int s_recv(zap_t *z, zmq_msg_t *req, int cap)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, z->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            return n == 0 ? -1 : n;
        }
        more = zmq_msg_more(&m);
        if (n < cap)
            req[n] = m;
        else
            zmq_msg_close(&m);
        n++;
    }
    return n;
}

void zap_handle(zap_t *z)
{
    zmq_msg_t req[8];
    int n;
    while ((n = s_recv(z, req, 8)) >= 0) {
        s_decide(z, req, n);
        for (int i = 0; i < n && i < 8; i++)
            zmq_msg_close(&req[i]);
    }
}

void zap_destroy(zap_t **p)
{
    if (!p || !*p)
        return;
    if ((*p)->sock)
        zmq_close((*p)->sock);
    tally_destroy(&(*p)->refused);
    free(*p);
    *p = NULL;
}

/*
 * server — regied's event loop: one poll (zwait) over the ZAP handler, the
 * decoder thread's queue, a signalfd, the dispatcher and the control
 * socket. The decoder thread (intake/decoder) owns the intake socket: it
 * reads and decodes the requests in batches and hands each batch here,
 * where intake_store stores it in one transaction; the thread answers.
 * SIGHUP reloads the configuration (the decoder gets its own copy of the
 * rules), SIGTERM and SIGINT stop after the batches in hand. Main thread
 * only.
 */
#include "server.h"

#include "config/cfgload.h"

#include "agree/agreehook.h"
#include "store/ckpt.h"
#include "clock.h"
#include "control/ctl.h"
#include "mon/digest.h"
#include "mail/dispatch.h"
#include "intake/decode.h"
#include "intake/decoder.h"
#include "intake/guard.h"
#include "intake/intake.h"
#include "log.h"
#include "mon/metrics.h"
#include "mon/mon.h"
#include "mail/notify.h"
#include "agree/scheduler.h"
#include "store/store.h"
#include "xmem.h"
#include "intake/zap.h"
#include "zwait.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define SERVER_MAX_SOCKETS 64 /* ZeroMQ sockets of the process (not
                               * connections): intake, ZAP, control,
                               * monitor, sender, checkpointer, ... */

struct server {
    cfg_t *cfg;           /* the configuration in force (owned) */
    void *ctx;            /* the ZeroMQ context */
    zap_t *zap;           /* authentication handler, bound first */
    void *intake_sock;    /* ROUTER, CURVE server, until the decoder */
    guard_t *guard;       /* its connections, until the decoder */
    decoder_t *decoder;   /* the thread that reads and answers them */
    int sigfd;            /* signalfd for TERM, INT, HUP */
    store_t *store;       /* the database */
    notify_t *notify;     /* who is told what; templates */
    intake_t *intake;     /* stores the decoded requests */
    dispatch_t *dispatch; /* hands due mail to the sender thread */
    ctl_t *ctl;           /* the control socket, or NULL */
    int64_t sched_hold;   /* after a failed run, the scheduler waits */
    mon_t *mon;           /* purge, digest, metrics file, backup */
    ckpt_t *ckpt;         /* WAL checkpoints off the ACK path, or NULL */
    bool stop;            /* set by SIGTERM/SIGINT */
    zwait_t wait;         /* the loop's poll (see server_run) */
};

/* Raises the descriptor limit to the hard limit: every connection,
 * finished handshake or not, holds one. */
static void s_descriptors(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_warn("server: cannot raise the descriptor limit error=\"%s\"",
                     strerror(errno));
        else
            log_info("server: descriptor limit raised from=%llu to=%llu",
                     (unsigned long long)was,
                     (unsigned long long)rl.rlim_cur);
    }
}

/* TCP keepalive, so that a partner whose machine vanished is noticed. */
static int s_keepalive(void *sock)
{
    int on = 1, idle = 120, intvl = 30, cnt = 4;
    return zmq_setsockopt(sock, ZMQ_TCP_KEEPALIVE, &on, sizeof on) ||
           zmq_setsockopt(sock, ZMQ_TCP_KEEPALIVE_IDLE, &idle, sizeof idle) ||
           zmq_setsockopt(sock, ZMQ_TCP_KEEPALIVE_INTVL, &intvl,
                          sizeof intvl) ||
           zmq_setsockopt(sock, ZMQ_TCP_KEEPALIVE_CNT, &cnt, sizeof cnt);
}

/* Applies socket options and binds every intake endpoint. A connection
 * that has not finished CURVE within handshake_ms is dropped, so idle
 * connections cannot hold descriptors for long. */
static int s_bind_intake(server_t *s)
{
    const cfg_t *c = s->cfg;
    int one = 1, linger = 2000, hs = c->handshake_ms;
    int64_t maxmsg = (int64_t)c->message_bytes;
    s->intake_sock = zmq_socket(s->ctx, ZMQ_ROUTER);
    if (!s->intake_sock || s_keepalive(s->intake_sock) ||
        zmq_setsockopt(s->intake_sock, ZMQ_HANDSHAKE_IVL, &hs, sizeof hs) ||
        zmq_setsockopt(s->intake_sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(s->intake_sock, ZMQ_CURVE_SECRETKEY, c->server_secret,
                       KEYS_Z85_LEN) ||
        zmq_setsockopt(s->intake_sock, ZMQ_ZAP_DOMAIN, "regie", 5) ||
        zmq_setsockopt(s->intake_sock, ZMQ_ROUTER_MANDATORY, &one,
                       sizeof one) ||
        zmq_setsockopt(s->intake_sock, ZMQ_MAXMSGSIZE, &maxmsg,
                       sizeof maxmsg) ||
        zmq_setsockopt(s->intake_sock, ZMQ_LINGER, &linger, sizeof linger)) {
        log_err("server: cannot set up the intake socket error=\"%s\"",
                zmq_strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < c->intake_n; i++) {
        if (zmq_bind(s->intake_sock, c->intake[i]) != 0) {
            log_err("server: cannot bind endpoint=%s error=\"%s\"",
                    c->intake[i], zmq_strerror(errno));
            return -1;
        }
        log_info("server: listening endpoint=%s", c->intake[i]);
    }
    s->guard = guard_new(s->ctx, s->intake_sock, c->intake, c->intake_n,
                         c->max_connections);
    return s->guard ? 0 : -1;
}

static int s_signals(server_t *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
        (s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        log_err("server: cannot watch signals error=\"%s\"", strerror(errno));
        return -1;
    }
    return 0;
}

/* Makes the report agreements the configuration's partners need. */
static int s_sync_partners(server_t *s)
{
    if (store_begin(s->store) < 0)
        return -1;
    if (agreehook_sync_partners(s->store, s->cfg, s->notify, clock_now()) < 0 ||
        store_commit(s->store) < 0) {
        store_rollback(s->store);
        log_err("server: cannot make the partners' report agreements");
        return -1;
    }
    return 0;
}

/* Milliseconds until the scheduler must run (0: now), or -1. */
static long s_sched_timeout(server_t *s)
{
    int64_t at = scheduler_next_at(s->store);
    if (at < 0)
        return -1;
    if (at < s->sched_hold)
        at = s->sched_hold;
    int64_t ms = at * 1000 - clock_now_ms();
    return ms < 0 ? 0 : ms > 3600 * 1000 ? 3600 * 1000 : (long)ms;
}

/* Runs the agreements that are due; a store error holds the scheduler
 * back for a few seconds instead of spinning. */
static void s_run_sched(server_t *s)
{
    int64_t now = clock_now();
    int64_t at = scheduler_next_at(s->store);
    if (at < 0 || at > now || now < s->sched_hold)
        return;
    if (scheduler_run(s->store, s->cfg, s->notify, now, 500) < 0) {
        s->sched_hold = now + 5;
        log_warn("server: scheduler failed; trying again in 5 s");
    }
}

/* Milliseconds until the monitoring jobs are due (0: now), or -1. */
static long s_mon_timeout(server_t *s)
{
    int64_t at = mon_next_at(s->mon, clock_now());
    if (at < 0)
        return -1;
    int64_t ms = at * 1000 - clock_now_ms();
    return ms < 0 ? 0 : ms > 3600 * 1000 ? 3600 * 1000 : (long)ms;
}

static long s_min_timeout(long a, long b)
{
    if (a < 0)
        return b;
    return b < 0 || a < b ? a : b;
}

/* The poll timeout: the earliest of the outbox, the scheduler and the
 * monitoring jobs. */
static long s_timeout(server_t *s)
{
    long zap = (long)zap_flush(s->zap, clock_mono_ms());
    return s_min_timeout(
        s_min_timeout(
            s_min_timeout(dispatch_timeout_ms(s->dispatch), s_sched_timeout(s)),
            s_mon_timeout(s)),
        zap);
}

/* Binds the control socket when the configuration names one. */
static int s_bind_control(server_t *s)
{
    if (!s->cfg->control)
        return 0;
    cmd_env_t env = {
        .cfg = s->cfg, .store = s->store, .notify = s->notify, .mon = s->mon};
    s->ctl = ctl_new(s->ctx, s->cfg->control, s->cfg->control_mode, &env);
    if (!s->ctl)
        return -1;
    log_info("server: control socket path=%s", s->cfg->control);
    return 0;
}

server_t *server_new(cfg_t **cfg)
{
    server_t *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    *cfg = NULL;
    s->sigfd = -1;
    s_descriptors();
    s->ctx = zmq_ctx_new();
    if (!s->ctx || zmq_ctx_set(s->ctx, ZMQ_MAX_SOCKETS, SERVER_MAX_SOCKETS)) {
        log_err("server: cannot make a ZeroMQ context");
        server_destroy(&s);
        return NULL;
    }
    /* The ZAP handler first: without it CURVE admits any key. */
    if (s_signals(s) < 0 || !(s->zap = zap_new(s->ctx, s->cfg)) ||
        !(s->store = store_open(s->cfg->database, s->cfg->busy_timeout_ms,
                                s->cfg->max_database_mb)) ||
        s_bind_intake(s) < 0) {
        server_destroy(&s);
        return NULL;
    }
    /* Checkpoints in a thread of their own; without it (it failed to
     * start), the writer keeps checkpointing after its commits. */
    if (store_set_wal_limit(s->store, s->cfg->wal_max_mb) < 0) {
        server_destroy(&s);
        return NULL;
    }
    if ((s->ckpt = ckpt_new(s->cfg->database, 50)) &&
        store_manual_checkpoints(s->store) < 0)
        ckpt_destroy(&s->ckpt);
    if (!(s->notify = notify_new(s->cfg)) ||
        !(s->dispatch = dispatch_new(s->ctx, s->store, s->cfg)) ||
        !(s->mon = mon_new(s->cfg, s->store)) || s_bind_control(s) < 0) {
        server_destroy(&s);
        return NULL;
    }
    if (!notify_enabled(s->notify))
        log_notice("server: notifications off: the configuration has no "
                   "'mail' group");
    if (s_sync_partners(s) < 0) {
        server_destroy(&s);
        return NULL;
    }
    s->intake = intake_new(s->store, s->cfg, s->notify);
    intake_set_metrics(s->intake, mon_metrics(s->mon));
    metrics_refusals(mon_metrics(s->mon), zap_refusals(s->zap));
    decode_rules_t *rules = decode_rules_new(s->cfg);
    s->decoder = decoder_new(s->ctx, &s->intake_sock, &s->guard, &rules,
                             s->cfg->batch, mon_metrics(s->mon));
    if (!s->decoder) {
        decode_rules_destroy(&rules);
        server_destroy(&s);
        return NULL;
    }
    return s;
}

/* Stores the batch the decoder hands over, and hands it back. */
static void s_on_decoder(server_t *s)
{
    size_t n;
    intake_item_t *items = decoder_batch(s->decoder, &n);
    if (!items)
        return;
    intake_store(s->intake, items, n);
    decoder_done(s->decoder);
}

/* Whether two optional strings are the same. */
static bool s_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Warns that setting changed in the file but keeps its running value. */
static void s_kept(const char *setting, const char *was, const char *now)
{
    log_warn("server: reload cannot change %s (running: %s, in the file: "
             "%s); restart regied to change it",
             setting, was ? was : "none", now ? now : "none");
}

/* The intake endpoints as one string "a b c", in buf. */
static const char *s_endpoints(const cfg_t *c, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < c->intake_n; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, "%s%s", i ? " " : "", c->intake[i]);
    }
    return buf;
}

/* Keeps what cannot change without a restart from the old config, with
 * a warning that names each such setting the file changed. */
static void s_keep_fixed(const cfg_t *old, cfg_t *next)
{
    char a[1024], b[1024], n1[16], n2[16];
    if (strcmp(s_endpoints(old, a, sizeof a), s_endpoints(next, b, sizeof b)))
        s_kept("daemon.intake", a, b);
    if (!s_same(old->control, next->control))
        s_kept("daemon.control", old->control, next->control);
    if (strcmp(old->database, next->database))
        s_kept("daemon.database", old->database, next->database);
    if (strcmp(old->timezone, next->timezone))
        s_kept("timezone", old->timezone, next->timezone);
    if (strcmp(old->server_secret, next->server_secret))
        s_kept("daemon.server_secret_key", "the running key", "another key");
    if (memcmp(old->pseudo_key, next->pseudo_key, sizeof old->pseudo_key))
        s_kept("daemon.pseudonym_key", "the running key", "another key");
    snprintf(n1, sizeof n1, "%zu", old->batch);
    snprintf(n2, sizeof n2, "%zu", next->batch);
    if (old->batch != next->batch)
        s_kept("limits.batch", n1, n2);
    snprintf(n1, sizeof n1, "%d", old->handshake_ms);
    snprintf(n2, sizeof n2, "%d", next->handshake_ms);
    if (old->handshake_ms != next->handshake_ms)
        s_kept("limits.handshake_ms", n1, n2);
    /* The running values stay in force where the new cfg is read. */
    memcpy(next->pseudo_key, old->pseudo_key, sizeof old->pseudo_key);
    memcpy(next->server_secret, old->server_secret, sizeof old->server_secret);
    next->batch = old->batch;
    next->handshake_ms = old->handshake_ms;
    free(next->database);
    next->database = xstrdup(old->database);
    free(next->timezone);
    next->timezone = xstrdup(old->timezone);
    free(next->control);
    next->control = old->control ? xstrdup(old->control) : NULL;
    for (size_t i = 0; i < next->intake_n; i++)
        free(next->intake[i]);
    free(next->intake);
    next->intake = xcalloc(old->intake_n, sizeof *next->intake);
    for (size_t i = 0; i < old->intake_n; i++)
        next->intake[i] = xstrdup(old->intake[i]);
    next->intake_n = old->intake_n;
}

static void s_reload(server_t *s)
{
    sd_notify(0, "RELOADING=1");
    log_notice("server: reloading config=%s", s->cfg->path);
    cfg_t *next = cfgload_read(s->cfg->path);
    notify_t *notify = next ? notify_new(next) : NULL;
    digest_t *dg = notify ? digest_new(next) : NULL; /* checks its template */
    if (!dg) {
        log_err("server: reload refused: the configuration has errors "
                "(see above); the running one stays");
        notify_destroy(&notify);
        cfg_destroy(&next);
    } else {
        digest_destroy(&dg);
        s_keep_fixed(s->cfg, next);
        log_set_level(next->log_level);
        zap_set_cfg(s->zap, next);
        intake_set_cfg(s->intake, next, notify);
        decode_rules_t *rules = decode_rules_new(next);
        decoder_set_rules(s->decoder, &rules);
        dispatch_set_cfg(s->dispatch, next);
        if (s->ctl) {
            cmd_env_t env = {.cfg = next,
                             .store = s->store,
                             .notify = notify,
                             .mon = s->mon};
            ctl_set_env(s->ctl, &env);
        }
        notify_destroy(&s->notify);
        s->notify = notify;
        cfg_destroy(&s->cfg);
        s->cfg = next;
        mon_set_cfg(s->mon, s->cfg);
        s_sync_partners(s);
        log_notice("server: reloaded partners=%zu", s->cfg->partners_n);
    }
    sd_notify(0, "READY=1");
}

static void s_on_signal(server_t *s)
{
    struct signalfd_siginfo si;
    while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            s_reload(s);
        } else {
            log_notice("server: stopping signal=%s",
                       si.ssi_signo == SIGTERM ? "TERM" : "INT");
            s->stop = true;
            decoder_stop(s->decoder); /* it answers what it has read */
        }
    }
}

int server_run(server_t *s)
{
    sd_notify(0, "READY=1\nSTATUS=serving referrals");
    log_notice("server: ready version=%s partners=%zu", REGIE_VERSION,
               s->cfg->partners_n);
    dispatch_kick(s->dispatch);
    zwait_init(&s->wait);
    while (!s->stop || !decoder_ended(s->decoder)) {
        zmq_pollitem_t items[] = {
            {zap_socket(s->zap), 0, ZMQ_POLLIN, 0},
            {decoder_socket(s->decoder), 0, ZMQ_POLLIN, 0},
            {NULL, s->sigfd, ZMQ_POLLIN, 0},
            {dispatch_socket(s->dispatch), 0, ZMQ_POLLIN, 0},
            {s->ctl ? ctl_socket(s->ctl) : NULL, 0, ZMQ_POLLIN, 0},
        };
        int n = s->ctl ? 5 : 4;
        if (zwait_poll(&s->wait, items, n, s_timeout(s)) < 0) {
            if (errno == EINTR)
                continue;
            log_err("server: poll failed error=\"%s\"", zmq_strerror(errno));
            return 1;
        }
        if (items[0].revents & ZMQ_POLLIN)
            zap_handle(s->zap);
        /* zwait's rule: a socket used that it did not report ready is
         * touched. A reload and a control command may use any (the
         * decoder's queue, the sender's); the scheduler and the
         * monitoring jobs use none; the dispatcher its own. */
        if (items[2].revents & ZMQ_POLLIN) {
            s_on_signal(s);
            zwait_touch_all(&s->wait);
        }
        if (items[1].revents & ZMQ_POLLIN)
            s_on_decoder(s);
        if (!s->stop && decoder_ended(s->decoder)) {
            log_err("server: the decoder thread ended; stopping");
            return 1;
        }
        if (n == 5 && (items[4].revents & ZMQ_POLLIN)) {
            ctl_handle(s->ctl);
            zwait_touch_all(&s->wait);
        }
        s_run_sched(s);
        mon_run_due(s->mon, clock_now());
        uint64_t handed = dispatch_handed(s->dispatch);
        if (items[3].revents & ZMQ_POLLIN)
            dispatch_on_outcome(s->dispatch);
        else
            dispatch_kick(s->dispatch);
        if (dispatch_handed(s->dispatch) != handed)
            zwait_touch(&s->wait, dispatch_socket(s->dispatch));
    }
    sd_notify(0, "STOPPING=1");
    return 0;
}

void server_destroy(server_t **p)
{
    if (!p || !*p)
        return;
    server_t *s = *p;
    decoder_destroy(&s->decoder); /* first: it has the intake socket */
    guard_destroy(&s->guard);
    if (s->intake_sock)
        zmq_close(s->intake_sock);
    ctl_destroy(&s->ctl);
    mon_destroy(&s->mon);
    dispatch_destroy(&s->dispatch);
    zap_destroy(&s->zap);
    if (s->ctx)
        zmq_ctx_term(s->ctx);
    intake_destroy(&s->intake);
    notify_destroy(&s->notify);
    ckpt_destroy(&s->ckpt);
    store_destroy(&s->store);
    if (s->sigfd >= 0)
        close(s->sigfd);
    cfg_destroy(&s->cfg);
    free(s);
    *p = NULL;
}

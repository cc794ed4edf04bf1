/*
 * bench_intake — the load generator of `make bench` (scripts/bench runs
 * it and explains the whole measurement).
 *
 *   bench_intake --ping ENDPOINT KEYDIR
 *       waits until regied answers PING (readiness); exit 0 or 1
 *   bench_intake [-c CLIENTS] [-n COUNT] [-w WINDOW] [-r RATE] ENDPOINT
 *       KEYDIR
 *       CLIENTS threads, each with its own DEALER socket (CURVE client,
 *       partner key p(i % PARTNERS + 1)), post COUNT referrals in all
 *       (bench_gen.h), each keeping WINDOW requests in flight; with RATE
 *       the sends are paced at RATE referrals/s in all (open loop) and
 *       WINDOW only caps what may be in flight
 *
 * KEYDIR holds server.pub and p1.key .. pK.key. A run prints one
 * "RESULT key=value ..." line and one line for people. Latency is from
 * the send of a request to its ACK; the clock runs once every client has
 * connected and had a PONG (CURVE handshake and ZAP done). Any NACK,
 * duplicate or timeout fails the run (exit 1) and is printed.
 */
#include "bench_gen.h"
#include "keys.h"
#include "xmem.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zmq.h>

/* What one run does. */
typedef struct {
    const char *endpoint; /* regied's intake */
    const char *keydir;   /* server.pub, pN.key */
    const char *tag;      /* external_id prefix, one per run */
    int clients;          /* client threads; referral j is client j % c's */
    int partners;         /* client i posts as partner p(i % partners + 1) */
    size_t count;         /* referrals in the run */
    int window;           /* requests in flight per client */
    double rate;          /* referrals/s in all; 0: closed loop */
    int timeout_s;        /* longest wait for any reply */
    const char *dump;     /* file for one line per request, or NULL */
} s_plan_t;

/* One client thread of the load. */
typedef struct {
    const s_plan_t *plan;
    int id;                   /* 0 .. clients-1 */
    void *ctx;                /* shared ZeroMQ context */
    pthread_barrier_t *start; /* all connected: go */
    char server_pub[KEYS_Z85_LEN + 1];
    char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1];
    size_t n;      /* referrals of this client */
    char **bodies; /* made before the start, owned */
    size_t *lens;
    double *sent;   /* send time per position, s */
    double *lat;    /* latency per position, ms; < 0: none */
    double lag_max; /* rate mode: latest send behind, ms */
    size_t acked, dups, nacked;
    double t_end;    /* last reply, s */
    char nack[1280]; /* the first NACK (or odd reply) */
    char error[160]; /* why the client stopped, or "" */
} s_client_t;

/* A reply read from a DEALER: the frames after the empty delimiter. */
typedef struct {
    char status[16];
    char corr[80];
    char body[BENCH_BODY_MAX];
    int frames;
} s_reply_t;

/* ---- RRP/1 over a DEALER ------------------------------------------ */

static int s_send(void *sock, const char *cmd, const char *corr,
                  const char *body, size_t len)
{
    if (zmq_send(sock, "", 0, ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, "RRP1", 4, ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, cmd, strlen(cmd), ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, corr, strlen(corr), ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, body, len, 0) < 0)
        return -1;
    return 0;
}

/* Reads one reply; flags for the first frame. Returns 1, 0 when none
 * waits (ZMQ_DONTWAIT), -1 on error. */
static int s_recv(void *sock, s_reply_t *r, int flags)
{
    char buf[BENCH_BODY_MAX];
    int more = 1;
    r->frames = 0;
    r->status[0] = r->corr[0] = r->body[0] = '\0';
    while (more) {
        int n = zmq_recv(sock, buf, sizeof buf - 1, r->frames ? 0 : flags);
        if (n < 0)
            return r->frames == 0 && errno == EAGAIN ? 0 : -1;
        buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = '\0';
        char *dst[] = {NULL, NULL, r->status, r->corr, r->body};
        size_t cap[] = {0, 0, sizeof r->status, sizeof r->corr, sizeof r->body};
        if (r->frames < 5 && dst[r->frames])
            snprintf(dst[r->frames], cap[r->frames], "%s", buf);
        r->frames++;
        size_t sz = sizeof more;
        if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) < 0)
            return -1;
    }
    return 1;
}

/* A DEALER with CURVE client keys, connected to endpoint; NULL on error. */
static void *s_dealer(void *ctx, const char *endpoint, const char *server,
                      const char *pub, const char *sec)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0, hwm = 100000;
    if (!sock || zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, 40) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40) ||
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) ||
        zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
        zmq_connect(sock, endpoint)) {
        fprintf(stderr, "bench: cannot connect %s: %s\n", endpoint,
                zmq_strerror(errno));
        if (sock)
            zmq_close(sock);
        return NULL;
    }
    return sock;
}

/* Sends PING every second until PONG or timeout_s. Returns 0 or -1. */
static int s_ping(void *sock, double timeout_s, char *pong, size_t len)
{
    double end = bench_now() + timeout_s, next = 0;
    s_reply_t r;
    while (bench_now() < end) {
        if (bench_now() >= next) {
            if (s_send(sock, "PING", "ping", "", 0) < 0)
                return -1;
            next = bench_now() + 1.0;
        }
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) > 0 && s_recv(sock, &r, 0) == 1 &&
            strcmp(r.status, "PONG") == 0) {
            snprintf(pong, len, "%s", r.body);
            return 0;
        }
    }
    return -1;
}

/* Reads KEYDIR/pK.key and server.pub. Returns 0 or -1 after a message. */
static int s_keys(const s_plan_t *p, int partner, char server[41], char pub[41],
                  char sec[41])
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/server.pub", p->keydir);
    if (keys_read_z85(path, server, err, sizeof err) == 0) {
        snprintf(path, sizeof path, "%s/p%d.key", p->keydir, partner);
        if (keys_read_secret(path, pub, sec, err, sizeof err) == 0)
            return 0;
    }
    fprintf(stderr, "bench: %s\n", err);
    return -1;
}

/* ---- the load ------------------------------------------------------ */

/* Counts one reply of client c received at t. Returns 1 when it answers
 * one of the client's referrals in flight, 0 for a late PONG (of a PING
 * resent while connecting) or a reply that answers nothing of ours (kept
 * as the run's failure). */
static int s_on_reply(s_client_t *c, const s_reply_t *r, double t)
{
    char *end;
    size_t pos = (size_t)strtoull(r->corr + 1, &end, 10);
    bool ours = r->frames == 5 && r->corr[0] == 'r' && *end == '.' &&
                atoi(end + 1) == c->id && pos < c->n && c->lat[pos] < 0;
    if (!ours && strcmp(r->status, "PONG") == 0)
        return 0;
    if (ours)
        c->lat[pos] = (t - c->sent[pos]) * 1000.0;
    if (ours && strcmp(r->status, "ACK") == 0 &&
        strstr(r->body, "\"status\":\"accepted\"")) {
        c->acked++;
        return 1;
    }
    if (ours && strcmp(r->status, "ACK") == 0)
        c->dups++;
    else
        c->nacked++;
    if (!c->nack[0])
        snprintf(c->nack, sizeof c->nack,
                 "frames=%d status=%s corr=%s "
                 "body=%s",
                 r->frames, r->status, r->corr, r->body);
    return ours;
}

/* When the next referral may go (rate mode), or 0 when it may now. */
static double s_due(const s_client_t *c, size_t next, double t0)
{
    const s_plan_t *p = c->plan;
    if (p->rate <= 0)
        return 0;
    return t0 + (double)(next * (size_t)p->clients + (size_t)c->id) / p->rate;
}

/* Sends what the window (and the pace) allows; returns referrals sent. */
static size_t s_fill(s_client_t *c, void *sock, size_t next, size_t inflight,
                     double t0)
{
    size_t sent = 0;
    while (next + sent < c->n && inflight + sent < (size_t)c->plan->window) {
        size_t pos = next + sent;
        double due = s_due(c, pos, t0), now = bench_now();
        if (due > now)
            break;
        if (due > 0 && (now - due) * 1000.0 > c->lag_max)
            c->lag_max = (now - due) * 1000.0;
        char corr[32];
        snprintf(corr, sizeof corr, "r%zu.%d", pos, c->id);
        c->sent[pos] = now;
        if (s_send(sock, "REFERRAL", corr, c->bodies[pos], c->lens[pos]) < 0) {
            snprintf(c->error, sizeof c->error, "send: %s",
                     zmq_strerror(errno));
            break;
        }
        sent++;
    }
    return sent;
}

/* Posts the client's referrals, window by window, until all are answered
 * or nothing comes for timeout_s. */
static void s_post_all(s_client_t *c, void *sock)
{
    size_t next = 0, inflight = 0, answered = 0;
    double t0 = bench_now(), progress = t0;
    s_reply_t r;
    while (answered < c->n && !c->error[0]) {
        size_t k = s_fill(c, sock, next, inflight, t0);
        next += k;
        inflight += k;
        double now = bench_now(), due = next < c->n ? s_due(c, next, t0) : 0;
        int wait = 100;
        if (due > 0 && inflight < (size_t)c->plan->window)
            wait = (int)ceil((due - now) * 1000.0);
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, wait < 0 ? 0 : wait) < 0)
            snprintf(c->error, sizeof c->error, "poll: %s",
                     zmq_strerror(errno));
        int rc;
        while ((rc = s_recv(sock, &r, ZMQ_DONTWAIT)) == 1) {
            now = bench_now();
            if (s_on_reply(c, &r, now) == 0)
                continue;
            answered++;
            inflight--;
            progress = c->t_end = now;
        }
        if (rc < 0)
            snprintf(c->error, sizeof c->error, "recv: %s",
                     zmq_strerror(errno));
        if (bench_now() - progress > c->plan->timeout_s)
            snprintf(c->error, sizeof c->error,
                     "no reply for %d s with "
                     "%zu in flight",
                     c->plan->timeout_s, inflight);
    }
}

static void *s_client_main(void *arg)
{
    s_client_t *c = arg;
    const s_plan_t *p = c->plan;
    char pong[BENCH_BODY_MAX];
    void *sock = s_dealer(c->ctx, p->endpoint, c->server_pub, c->pub, c->sec);
    /* The CURVE handshake and ZAP happen here, before the clock runs. */
    if (!sock)
        snprintf(c->error, sizeof c->error, "cannot connect");
    else if (s_ping(sock, p->timeout_s, pong, sizeof pong) < 0)
        snprintf(c->error, sizeof c->error, "no PONG in %d s", p->timeout_s);
    pthread_barrier_wait(c->start);
    if (!c->error[0])
        s_post_all(c, sock);
    if (sock)
        zmq_close(sock);
    return NULL;
}

/* Makes the bodies of client c before the clock runs. */
static void s_client_prepare(s_client_t *c)
{
    const s_plan_t *p = c->plan;
    int partner = c->id % p->partners + 1;
    c->n = (p->count - (size_t)c->id + (size_t)p->clients - 1) /
           (size_t)p->clients;
    c->bodies = xcalloc(c->n, sizeof *c->bodies);
    c->lens = xcalloc(c->n, sizeof *c->lens);
    c->sent = xcalloc(c->n, sizeof *c->sent);
    c->lat = xcalloc(c->n, sizeof *c->lat);
    char buf[BENCH_BODY_MAX];
    for (size_t pos = 0; pos < c->n; pos++) {
        bench_ref_t r;
        bench_gen(p->tag, p->clients, pos * (size_t)p->clients + c->id, &r);
        c->lens[pos] = bench_body(&r, partner, buf, sizeof buf);
        c->bodies[pos] = xstrndup(buf, c->lens[pos]);
        c->lat[pos] = -1;
    }
}

static void s_client_free(s_client_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->bodies[i]);
    free(c->bodies);
    free(c->lens);
    free(c->sent);
    free(c->lat);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values. */
static double s_quantile(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)ceil(q * (double)n);
    return v[i > 0 ? i - 1 : 0];
}

/* Writes "send_ms latency_ms client position" per request to p->dump,
 * send_ms counted from t0, for plots and for finding stalls. */
static void s_dump(const s_plan_t *p, const s_client_t *cl, double t0)
{
    FILE *f = fopen(p->dump, "w");
    if (!f) {
        fprintf(stderr, "bench: cannot write %s: %s\n", p->dump,
                strerror(errno));
        return;
    }
    for (int i = 0; i < p->clients; i++)
        for (size_t k = 0; k < cl[i].n; k++)
            fprintf(f, "%.3f %.3f %d %zu\n", (cl[i].sent[k] - t0) * 1000.0,
                    cl[i].lat[k], i, k);
    fclose(f);
}

/* Sums up the clients, prints the RESULT line and the human line.
 * Returns 0 when every referral was accepted. */
static int s_report_load(const s_plan_t *p, s_client_t *cl, double t0,
                         double cpu)
{
    size_t acked = 0, dups = 0, nacked = 0, got = 0;
    double t_end = t0, lag = 0;
    double *lat = xcalloc(p->count, sizeof *lat);
    int failed = 0;
    for (int i = 0; i < p->clients; i++) {
        s_client_t *c = &cl[i];
        acked += c->acked;
        dups += c->dups;
        nacked += c->nacked;
        t_end = c->t_end > t_end ? c->t_end : t_end;
        lag = c->lag_max > lag ? c->lag_max : lag;
        for (size_t k = 0; k < c->n; k++)
            if (c->lat[k] >= 0)
                lat[got++] = c->lat[k];
        if (c->error[0] || c->nack[0]) {
            fprintf(stderr, "bench: FAILED client %d: %s%s%s\n", i, c->error,
                    c->error[0] && c->nack[0] ? "; " : "", c->nack);
            failed = 1;
        }
    }
    qsort(lat, got, sizeof *lat, s_cmp_double);
    double wall = t_end - t0, rps = wall > 0 ? (double)acked / wall : 0;
    double p50 = s_quantile(lat, got, 0.50), p99 = s_quantile(lat, got, 0.99);
    double p999 = s_quantile(lat, got, 0.999);
    double max = got ? lat[got - 1] : 0;
    failed = failed || acked != p->count;
    printf("RESULT mode=load clients=%d window=%d rate=%.0f n=%zu ack=%zu "
           "duplicate=%zu nack=%zu wall_s=%.3f rps=%.0f p50_ms=%.2f "
           "p99_ms=%.2f p999_ms=%.2f max_ms=%.2f send_lag_max_ms=%.1f "
           "cpu_s=%.2f ok=%d\n",
           p->clients, p->window, p->rate, p->count, acked, dups, nacked, wall,
           rps, p50, p99, p999, max, lag, cpu, !failed);
    printf("  %d client(s)%s: %.0f referrals/s, ACK latency p50 %.2f ms, "
           "p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%zu ACK, %zu NACK, "
           "%.2f s)\n",
           p->clients, p->rate > 0 ? " paced" : "", rps, p50, p99, p999, max,
           acked, nacked + dups, wall);
    free(lat);
    return failed ? -1 : 0;
}

/* CPU seconds this process has used, all threads. */
static double s_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Runs the clients and reports. Returns 0 when every referral was
 * accepted, -1 otherwise. */
static int s_load(const s_plan_t *p)
{
    s_client_t *cl = xcalloc((size_t)p->clients, sizeof *cl);
    pthread_t *th = xcalloc((size_t)p->clients, sizeof *th);
    pthread_barrier_t start;
    void *ctx = zmq_ctx_new();
    int rc = 0;
    for (int i = 0; i < p->clients && rc == 0; i++) {
        cl[i] = (s_client_t){.plan = p, .id = i, .ctx = ctx, .start = &start};
        rc = s_keys(p, i % p->partners + 1, cl[i].server_pub, cl[i].pub,
                    cl[i].sec);
        s_client_prepare(&cl[i]);
    }
    if (rc == 0) {
        pthread_barrier_init(&start, NULL, (unsigned)p->clients + 1);
        for (int i = 0; i < p->clients; i++)
            pthread_create(&th[i], NULL, s_client_main, &cl[i]);
        pthread_barrier_wait(&start);
        double t0 = bench_now(), cpu0 = s_cpu();
        for (int i = 0; i < p->clients; i++)
            pthread_join(th[i], NULL);
        rc = s_report_load(p, cl, t0, s_cpu() - cpu0);
        if (p->dump)
            s_dump(p, cl, t0);
        pthread_barrier_destroy(&start);
    }
    for (int i = 0; i < p->clients; i++)
        s_client_free(&cl[i]);
    free(cl);
    free(th);
    zmq_ctx_term(ctx);
    return rc;
}

static int s_ping_main(const s_plan_t *p)
{
    char server[41], pub[41], sec[41], pong[BENCH_BODY_MAX];
    if (s_keys(p, 1, server, pub, sec) < 0)
        return 1;
    void *ctx = zmq_ctx_new();
    void *sock = s_dealer(ctx, p->endpoint, server, pub, sec);
    int rc = sock ? s_ping(sock, p->timeout_s, pong, sizeof pong) : -1;
    if (rc == 0)
        printf("PONG %s\n", pong);
    else
        fprintf(stderr, "bench: no PONG from %s in %d s\n", p->endpoint,
                p->timeout_s);
    if (sock)
        zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc == 0 ? 0 : 1;
}

/* ---- main ---------------------------------------------------------- */

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: bench_intake --ping ENDPOINT KEYDIR\n"
        "       bench_intake [options] ENDPOINT KEYDIR\n"
        "\n"
        "KEYDIR holds server.pub and p1.key .. pK.key.\n"
        "\n"
        "  -c, --clients N     client threads, one DEALER each (default 1)\n"
        "  -n, --count M       referrals in all (default 20000)\n"
        "  -w, --window W      requests in flight per client (default 32)\n"
        "  -r, --rate R        pace at R referrals/s in all (default: as fast "
        "as\n"
        "                      the window allows)\n"
        "  -p, --partners K    partner keys p1..pK, client i uses p(i%%K+1)\n"
        "                      (default 4)\n"
        "  -t, --tag T         external_id prefix, unique per database "
        "(default B)\n"
        "      --timeout S     longest wait for a reply (default 30)\n"
        "      --dump FILE     write \"send_ms latency_ms client position\" "
        "per\n"
        "                      request\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"clients", required_argument, NULL, 'c'},
        {"count", required_argument, NULL, 'n'},
        {"window", required_argument, NULL, 'w'},
        {"rate", required_argument, NULL, 'r'},
        {"partners", required_argument, NULL, 'p'},
        {"tag", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, 'T'},
        {"ping", no_argument, NULL, 'P'},
        {"dump", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    s_plan_t p = {.tag = "B",
                  .clients = 1,
                  .partners = 4,
                  .count = 20000,
                  .window = 32,
                  .timeout_s = 30};
    int ping = 0, c;
    while ((c = getopt_long(argc, argv, "c:n:w:r:p:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            p.clients = atoi(optarg);
            break;
        case 'n':
            p.count = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'w':
            p.window = atoi(optarg);
            break;
        case 'r':
            p.rate = atof(optarg);
            break;
        case 'p':
            p.partners = atoi(optarg);
            break;
        case 't':
            p.tag = optarg;
            break;
        case 'T':
            p.timeout_s = atoi(optarg);
            break;
        case 'P':
            ping = 1;
            break;
        case 'D':
            p.dump = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 64;
        }
    }
    if (argc - optind != 2 || p.clients < 1 || p.partners < 1 || p.window < 1 ||
        p.count < 1 || p.count > BENCH_COUNT_MAX) {
        s_usage(stderr);
        return 64;
    }
    if (sodium_init() < 0)
        return 69;
    p.endpoint = argv[optind];
    p.keydir = argv[optind + 1];
    if (ping)
        return s_ping_main(&p);
    return s_load(&p) == 0 ? 0 : 1;
}

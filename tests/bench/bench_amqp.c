/*
 * bench_amqp — the RabbitMQ publisher of `make bench`: what a partner's
 * referrals would cost if they went to RabbitMQ instead of regied, with
 * the same durability (a message counts once the broker confirms it,
 * which it does for a persistent message on a durable queue once it is
 * on disk). scripts/bench starts the node and runs this beside
 * bench_intake.
 *
 *   bench_amqp --wait [--timeout S] HOST PORT
 *       connects, logs in and opens a channel, again until that works or
 *       S seconds passed (readiness); exit 0 or 1
 *   bench_amqp [-c PUBLISHERS] [-n COUNT] [-w WINDOW] [-s SIZE]
 *       [-q quorum|classic] [-t TAG] HOST PORT
 *       declares the durable queue "bench.TAG" of that type (deleted
 *       first if it is there), then PUBLISHERS threads, each with its own
 *       connection and channel in confirm mode (confirm.select), publish
 *       COUNT messages in all of SIZE bytes (delivery_mode 2, persistent)
 *       to it through the default exchange, each keeping at most WINDOW
 *       messages unconfirmed; then deletes the queue, which must have
 *       held every message (nothing consumes them)
 *
 * A run prints one "RESULT key=value ..." line and one line for people,
 * as bench_intake does. Latency is from the publish of a message to the
 * basic.ack that covers it (one ack may confirm many: multiple=true);
 * the clock runs once every publisher has connected and selected
 * confirms. A basic.nack, a closed channel or no confirm for --timeout
 * seconds fails the run (exit 1). The user is guest/guest, which
 * RabbitMQ allows on loopback only.
 */
#include "bench_gen.h"
#include "xmem.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>

#define AMQP_BENCH_CHANNEL 1
#define AMQP_BENCH_SIZE_MAX 65536

/* What one run does. */
typedef struct {
    const char *host; /* the broker */
    int port;         /* its AMQP port */
    const char *type; /* x-queue-type: "quorum" or "classic" */
    char queue[64];   /* "bench.TAG" */
    int publishers;   /* threads; message j is publisher j % p's */
    size_t count;     /* messages in the run */
    int window;       /* unconfirmed messages per publisher, at most */
    size_t size;      /* bytes per message body */
    int timeout_s;    /* longest wait for a confirm */
} s_plan_t;

/* One publisher thread. */
typedef struct {
    const s_plan_t *plan;
    int id;                   /* 0 .. publishers-1 */
    pthread_barrier_t *start; /* all connected: go */
    amqp_connection_state_t conn;
    size_t n;     /* messages of this publisher */
    char *body;   /* one body, owned; its first bytes name the message */
    double *sent; /* publish time per position, s */
    double *lat;  /* confirm latency per position, ms; < 0: none yet */
    size_t low;   /* lowest position not confirmed */
    size_t acked, nacked;
    double t_end;    /* last confirm, s */
    char error[160]; /* why the publisher stopped, or "" */
} s_pub_t;

/* ---- the connection ------------------------------------------------ */

/* Writes what reply r says into err. Returns 0 when it is a success. */
static int s_reply_error(amqp_rpc_reply_t r, const char *what, char *err,
                         size_t len)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        snprintf(err, len, "%s: %s", what, amqp_error_string2(r.library_error));
    else if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD ||
             r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        /* Both close methods start with reply_code and reply_text. */
        amqp_channel_close_t *m = r.reply.decoded;
        snprintf(err, len, "%s: %u %.*s", what, m->reply_code,
                 (int)m->reply_text.len, (char *)m->reply_text.bytes);
    } else
        snprintf(err, len, "%s: the broker answered 0x%08x", what, r.reply.id);
    return -1;
}

/* A connection to host:port, logged in as guest, with channel
 * AMQP_BENCH_CHANNEL open; NULL with err set on failure. The caller
 * ends it with s_close. */
static amqp_connection_state_t s_connect(const char *host, int port,
                                         int timeout_s, char *err, size_t len)
{
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *sock = conn ? amqp_tcp_socket_new(conn) : NULL;
    struct timeval tv = {.tv_sec = timeout_s};
    int rc;
    if (!sock) {
        snprintf(err, len, "cannot make a connection");
    } else if ((rc = amqp_socket_open_noblock(sock, host, port, &tv)) !=
               AMQP_STATUS_OK) {
        snprintf(err, len, "connect %s:%d: %s", host, port,
                 amqp_error_string2(rc));
    } else if (s_reply_error(amqp_login(conn, "/", 0, 131072, 0,
                                        AMQP_SASL_METHOD_PLAIN, "guest",
                                        "guest"),
                             "login", err, len) == 0 &&
               amqp_channel_open(conn, AMQP_BENCH_CHANNEL) &&
               s_reply_error(amqp_get_rpc_reply(conn), "channel.open", err,
                             len) == 0) {
        return conn;
    }
    if (conn)
        amqp_destroy_connection(conn);
    return NULL;
}

/* Closes channel and connection and frees conn; accepts NULL. */
static void s_close(amqp_connection_state_t conn)
{
    if (!conn)
        return;
    amqp_channel_close(conn, AMQP_BENCH_CHANNEL, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

/* Deletes the plan's queue if it is there, setting *held to the
 * messages it held then, and with declare declares it anew: durable, not
 * exclusive, not auto-deleted, of the plan's type. Returns 0 or -1 after
 * a message. */
static int s_queue(const s_plan_t *p, bool declare, uint32_t *held)
{
    char err[256];
    amqp_connection_state_t conn =
        s_connect(p->host, p->port, p->timeout_s, err, sizeof err);
    amqp_bytes_t q = amqp_cstring_bytes(p->queue);
    amqp_table_entry_t arg = {.key = amqp_cstring_bytes("x-queue-type")};
    arg.value.kind = AMQP_FIELD_KIND_UTF8;
    arg.value.value.bytes = amqp_cstring_bytes(p->type);
    amqp_table_t args = {.num_entries = 1, .entries = &arg};
    int rc = conn ? 0 : -1;
    if (rc == 0) {
        amqp_queue_delete_ok_t *ok =
            amqp_queue_delete(conn, AMQP_BENCH_CHANNEL, q, 0, 0);
        rc = s_reply_error(amqp_get_rpc_reply(conn), "queue.delete", err,
                           sizeof err);
        *held = ok ? ok->message_count : 0;
    }
    if (rc == 0 && declare) {
        amqp_queue_declare(conn, AMQP_BENCH_CHANNEL, q, 0, 1, 0, 0, args);
        rc = s_reply_error(amqp_get_rpc_reply(conn), "queue.declare", err,
                           sizeof err);
    }
    if (rc < 0)
        fprintf(stderr, "bench_amqp: queue %s: %s\n", p->queue, err);
    s_close(conn);
    return rc;
}

/* ---- the load ------------------------------------------------------ */

/* Counts the confirm of delivery tag tag (position tag - 1), and with
 * multiple of every earlier one not confirmed yet, received at t. */
static void s_on_confirm(s_pub_t *c, uint64_t tag, bool multiple, bool ack,
                         double t)
{
    size_t end = tag <= c->n ? (size_t)tag : c->n;
    size_t from = multiple ? c->low : end > 0 ? end - 1 : 0;
    for (size_t pos = from; pos < end; pos++) {
        if (c->lat[pos] >= 0)
            continue;
        c->lat[pos] = (t - c->sent[pos]) * 1000.0;
        if (ack)
            c->acked++;
        else
            c->nacked++;
    }
    while (c->low < c->n && c->lat[c->low] >= 0)
        c->low++;
    c->t_end = t;
    if (!ack && !c->error[0])
        snprintf(c->error, sizeof c->error,
                 "basic.nack delivery_tag=%llu multiple=%d",
                 (unsigned long long)tag, multiple);
}

/* Reads the frames that come within wait_ms (0: only those there now).
 * Returns the confirms among them, or -1 after setting c->error. */
static int s_read_confirms(s_pub_t *c, int wait_ms)
{
    int got = 0;
    for (;;) {
        struct timeval tv = {.tv_sec = wait_ms / 1000,
                             .tv_usec = (wait_ms % 1000) * 1000};
        amqp_frame_t f;
        int rc = amqp_simple_wait_frame_noblock(c->conn, &f, &tv);
        if (rc == AMQP_STATUS_TIMEOUT)
            break;
        if (rc != AMQP_STATUS_OK) {
            snprintf(c->error, sizeof c->error, "read: %s",
                     amqp_error_string2(rc));
            return -1;
        }
        wait_ms = 0;
        if (f.frame_type != AMQP_FRAME_METHOD)
            continue;
        double now = bench_now();
        amqp_method_number_t id = f.payload.method.id;
        if (id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *m = f.payload.method.decoded;
            s_on_confirm(c, m->delivery_tag, m->multiple, true, now);
            got++;
        } else if (id == AMQP_BASIC_NACK_METHOD) {
            amqp_basic_nack_t *m = f.payload.method.decoded;
            s_on_confirm(c, m->delivery_tag, m->multiple, false, now);
            got++;
        } else {
            snprintf(c->error, sizeof c->error, "the broker sent method 0x%08x",
                     id);
            return -1;
        }
    }
    amqp_maybe_release_buffers(c->conn);
    return got;
}

/* Publishes message pos (delivery tag pos + 1). Returns 0 or -1. */
static int s_publish(s_pub_t *c, size_t pos)
{
    amqp_basic_properties_t props = {
        ._flags = AMQP_BASIC_DELIVERY_MODE_FLAG,
        .delivery_mode = AMQP_DELIVERY_PERSISTENT,
    };
    int k = snprintf(c->body, 32, "m%zu.%d ", pos, c->id);
    c->body[k] = '-'; /* the rest of the body stays as it was made */
    amqp_bytes_t body = {.len = c->plan->size, .bytes = c->body};
    c->sent[pos] = bench_now();
    int rc = amqp_basic_publish(
        c->conn, AMQP_BENCH_CHANNEL, amqp_cstring_bytes(""),
        amqp_cstring_bytes(c->plan->queue), 0, 0, &props, body);
    if (rc == AMQP_STATUS_OK)
        return 0;
    snprintf(c->error, sizeof c->error, "publish: %s", amqp_error_string2(rc));
    return -1;
}

/* Publishes the publisher's messages, window by window, until all are
 * confirmed or none comes for timeout_s. */
static void s_publish_all(s_pub_t *c)
{
    size_t next = 0;
    double progress = bench_now();
    while (c->acked + c->nacked < c->n && !c->error[0]) {
        while (next < c->n &&
               next - (c->acked + c->nacked) < (size_t)c->plan->window)
            if (s_publish(c, next++) < 0)
                return;
        int got = s_read_confirms(c, 100);
        if (got > 0)
            progress = bench_now();
        else if (got == 0 && bench_now() - progress > c->plan->timeout_s)
            snprintf(c->error, sizeof c->error,
                     "no confirm for %d s with %zu unconfirmed",
                     c->plan->timeout_s, next - (c->acked + c->nacked));
    }
}

static void *s_pub_main(void *arg)
{
    s_pub_t *c = arg;
    const s_plan_t *p = c->plan;
    c->conn =
        s_connect(p->host, p->port, p->timeout_s, c->error, sizeof c->error);
    /* Connection, login and confirm.select happen before the clock. */
    if (c->conn && (!amqp_confirm_select(c->conn, AMQP_BENCH_CHANNEL) ||
                    s_reply_error(amqp_get_rpc_reply(c->conn), "confirm.select",
                                  c->error, sizeof c->error) < 0)) {
        s_close(c->conn);
        c->conn = NULL;
    }
    pthread_barrier_wait(c->start);
    if (c->conn)
        s_publish_all(c);
    s_close(c->conn);
    c->conn = NULL;
    return NULL;
}

/* Makes publisher c's arrays and body before the clock runs. */
static void s_pub_prepare(s_pub_t *c)
{
    const s_plan_t *p = c->plan;
    c->n = (p->count - (size_t)c->id + (size_t)p->publishers - 1) /
           (size_t)p->publishers;
    c->sent = xcalloc(c->n, sizeof *c->sent);
    c->lat = xcalloc(c->n, sizeof *c->lat);
    for (size_t pos = 0; pos < c->n; pos++)
        c->lat[pos] = -1;
    c->body = xmalloc(p->size);
    for (size_t i = 0; i < p->size; i++)
        c->body[i] = bench_note[i % (sizeof bench_note - 1)];
}

static void s_pub_free(s_pub_t *c)
{
    free(c->body);
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

/* Sums up the publishers, prints the RESULT line and the human line.
 * Returns 0 when every message was confirmed with basic.ack. */
static int s_report(const s_plan_t *p, s_pub_t *pl, double t0, double cpu)
{
    size_t acked = 0, nacked = 0, got = 0;
    double t_end = t0;
    double *lat = xcalloc(p->count, sizeof *lat);
    int failed = 0;
    for (int i = 0; i < p->publishers; i++) {
        s_pub_t *c = &pl[i];
        acked += c->acked;
        nacked += c->nacked;
        t_end = c->t_end > t_end ? c->t_end : t_end;
        for (size_t k = 0; k < c->n; k++)
            if (c->lat[k] >= 0)
                lat[got++] = c->lat[k];
        if (c->error[0]) {
            fprintf(stderr, "bench_amqp: FAILED publisher %d: %s\n", i,
                    c->error);
            failed = 1;
        }
    }
    qsort(lat, got, sizeof *lat, s_cmp_double);
    double wall = t_end - t0, rps = wall > 0 ? (double)acked / wall : 0;
    double p50 = s_quantile(lat, got, 0.50), p99 = s_quantile(lat, got, 0.99);
    double max = got ? lat[got - 1] : 0;
    failed = failed || acked != p->count;
    printf("RESULT mode=amqp queue=%s publishers=%d window=%d size=%zu "
           "n=%zu ack=%zu nack=%zu wall_s=%.3f rps=%.0f p50_ms=%.2f "
           "p99_ms=%.2f max_ms=%.2f cpu_s=%.2f ok=%d\n",
           p->type, p->publishers, p->window, p->size, p->count, acked, nacked,
           wall, rps, p50, p99, max, cpu, !failed);
    printf("  %d publisher(s), %s queue: %.0f messages/s, confirm latency "
           "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu ack, %zu nack, "
           "%.2f s)\n",
           p->publishers, p->type, rps, p50, p99, max, acked, nacked, wall);
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

/* Declares the queue, runs the publishers, reports and deletes the
 * queue. Returns 0 when every message was confirmed, -1 otherwise. */
static int s_load(const s_plan_t *p)
{
    uint32_t held = 0;
    if (s_queue(p, true, &held) < 0)
        return -1;
    s_pub_t *pl = xcalloc((size_t)p->publishers, sizeof *pl);
    pthread_t *th = xcalloc((size_t)p->publishers, sizeof *th);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)p->publishers + 1);
    for (int i = 0; i < p->publishers; i++) {
        pl[i] = (s_pub_t){.plan = p, .id = i, .start = &start};
        s_pub_prepare(&pl[i]);
    }
    for (int i = 0; i < p->publishers; i++)
        pthread_create(&th[i], NULL, s_pub_main, &pl[i]);
    pthread_barrier_wait(&start);
    double t0 = bench_now(), cpu0 = s_cpu();
    for (int i = 0; i < p->publishers; i++)
        pthread_join(th[i], NULL);
    int rc = s_report(p, pl, t0, s_cpu() - cpu0);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < p->publishers; i++)
        s_pub_free(&pl[i]);
    free(pl);
    free(th);
    /* What was confirmed must be in the queue (nothing consumes). */
    if (s_queue(p, false, &held) < 0)
        rc = -1;
    else if (rc == 0 && held != p->count) {
        fprintf(stderr, "bench_amqp: FAILED: %s held %u, not %zu\n", p->queue,
                held, p->count);
        rc = -1;
    }
    return rc;
}

/* Connects until the broker lets us in or timeout_s passed, trying again
 * every 100 ms. Returns 0 or -1 after a message. */
static int s_wait(const s_plan_t *p)
{
    double end = bench_now() + p->timeout_s;
    char err[256] = "";
    while (bench_now() < end) {
        double t = bench_now();
        amqp_connection_state_t conn =
            s_connect(p->host, p->port, 1, err, sizeof err);
        if (conn) {
            s_close(conn);
            printf("READY %s:%d\n", p->host, p->port);
            return 0;
        }
        double left = 0.1 - (bench_now() - t);
        if (left > 0) {
            struct timeval tv = {.tv_usec = (long)(left * 1e6)};
            select(0, NULL, NULL, NULL, &tv);
        }
    }
    fprintf(stderr, "bench_amqp: %s:%d not ready in %d s: %s\n", p->host,
            p->port, p->timeout_s, err);
    return -1;
}

/* ---- main ---------------------------------------------------------- */

static void s_usage(FILE *out)
{
    fprintf(out,
            "Usage: bench_amqp --wait [--timeout S] HOST PORT\n"
            "       bench_amqp [options] HOST PORT\n"
            "\n"
            "  -c, --publishers P  threads, one connection and channel each\n"
            "                      (default 1)\n"
            "  -n, --count M       messages in all (default 20000)\n"
            "  -w, --window W      unconfirmed messages per publisher (default "
            "32)\n"
            "  -s, --size B        bytes per message (default 600)\n"
            "  -q, --queue-type T  quorum or classic (default quorum)\n"
            "  -t, --tag T         the queue is bench.T (default B)\n"
            "      --timeout S     longest wait for a confirm (default 30)\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"publishers", required_argument, NULL, 'c'},
        {"count", required_argument, NULL, 'n'},
        {"window", required_argument, NULL, 'w'},
        {"size", required_argument, NULL, 's'},
        {"queue-type", required_argument, NULL, 'q'},
        {"tag", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, 'T'},
        {"wait", no_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    s_plan_t p = {.type = "quorum",
                  .publishers = 1,
                  .count = 20000,
                  .window = 32,
                  .size = 600,
                  .timeout_s = 30};
    const char *tag = "B";
    int wait = 0, c;
    while ((c = getopt_long(argc, argv, "c:n:w:s:q:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            p.publishers = atoi(optarg);
            break;
        case 'n':
            p.count = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'w':
            p.window = atoi(optarg);
            break;
        case 's':
            p.size = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'q':
            p.type = optarg;
            break;
        case 't':
            tag = optarg;
            break;
        case 'T':
            p.timeout_s = atoi(optarg);
            break;
        case 'W':
            wait = 1;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 64;
        }
    }
    bool type_ok =
        strcmp(p.type, "quorum") == 0 || strcmp(p.type, "classic") == 0;
    if (argc - optind != 2 || p.publishers < 1 || p.window < 1 || p.count < 1 ||
        p.count > BENCH_COUNT_MAX || p.size < 32 ||
        p.size > AMQP_BENCH_SIZE_MAX || !type_ok || p.timeout_s < 1 ||
        strlen(tag) > 40) {
        s_usage(stderr);
        return 64;
    }
    p.host = argv[optind];
    p.port = atoi(argv[optind + 1]);
    snprintf(p.queue, sizeof p.queue, "bench.%s", tag);
    if (wait)
        return s_wait(&p) == 0 ? 0 : 1;
    return s_load(&p) == 0 ? 0 : 1;
}

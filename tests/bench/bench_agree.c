/*
 * bench_agree — the agreements part of `make bench` (scripts/bench runs
 * it and explains the whole measurement): a database with many open
 * agreements, and the times to read and to watch them.
 *
 *   bench_agree --make DB -n COUNT -d DUE -T T
 *       fills DB, whose schema regied made (started once on it, then
 *       stopped), with 200 regisseurs, COUNT open cases and one open
 *       agreement per case, in the daemon's schema, straight with
 *       SQLite (synchronous=OFF while filling). Even cases are
 *       unassigned and have the assign agreement of the kernteam
 *       (policy assign, first step on the due day); odd cases have a
 *       regisseur and its progress agreement (policy progress, every 21
 *       days, first step 3 days before the due day). Each row is as
 *       agree_make leaves it: occurrence 1, step 0, next_at the time of
 *       the first step. Exactly DUE of them (spread over the ids) have
 *       that step in the hour up to T, so that they all fall due at T;
 *       the others fall due from T + 1 day to T + 61 days. Times are
 *       local in ZONE (TZ), as regied computes them.
 *   bench_agree --select DB -T T
 *       times "SELECT id FROM agreement WHERE next_at <= T" (the partial
 *       index agreement_next) on a read-only connection, three times,
 *       and prints the best, the rows and the query plan.
 *   bench_agree --wait DB -T T [--timeout S]
 *       polls "SELECT count(*) FROM agreement WHERE next_at <= T" on a
 *       read-only connection every 20 ms until it is 0 (every step
 *       processed) or S seconds (default 120) went by; prints "polling
 *       due=N" after the first count, then when the count first fell and
 *       when it reached 0 (seconds since the epoch, the clock of `date
 *       +%s.%N`).
 *   bench_agree --ready SOCKET [--timeout S]
 *       binds a datagram socket at SOCKET (give it to regied as
 *       NOTIFY_SOCKET), prints "bound", and waits for sd_notify's
 *       READY=1; prints when it came (seconds since the epoch).
 *
 * Prints "RESULT key=value ..." lines. Exit 0, or 1 on any error or
 * timeout.
 */
#include "bench_gen.h"
#include "cal.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define S_REGISSEURS 200
#define S_DAY 86400
#define S_LATER_DAYS 60 /* the rest fall due over this many days */
#define S_POLL_MS 20

/* What the command line asked. */
typedef struct {
    const char *db;
    long long count;  /* agreements (and cases) to make */
    long long due;    /* of which fall due at t */
    long long t;      /* the time the steps fall due, s since epoch */
    double timeout_s; /* --wait, --ready */
} s_args_t;

/* Seconds since the epoch, the clock of `date +%s.%N`. */
static double s_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs sql on db; returns 0 or -1 after a message. */
static int s_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    fprintf(stderr, "bench: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

/* Opens path read-only, or read-write; NULL after a message. */
static sqlite3 *s_open(const char *path, int readonly)
{
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: cannot open %s: %s\n", path,
                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

/* Prepares sql; NULL after a message. */
static sqlite3_stmt *s_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

/* ---- --make --------------------------------------------------------- */

/* The daemon's columns (schema.c, versions 1 and 3). */
static const char s_sql_regisseur[] =
    "INSERT INTO regisseur (id, name, organisation, email, phone,"
    " created_at) VALUES (?1, ?2, 'Leger des Heils', ?3, '+31 6 1234 5678',"
    " ?4)";
static const char s_sql_case[] =
    "INSERT INTO cases (id, regisseur_id, opened_at, assigned_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char s_sql_agreement[] =
    "INSERT INTO agreement (kind, owner_type, owner, case_id, description,"
    " policy, period_days, due_at, next_at, created_at, created_by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* Greatest common divisor. */
static long long s_gcd(long long a, long long b)
{
    while (b) {
        long long r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* When the first step of agreement i (0-based) falls: exactly due of
 * the count fall in the hour up to t (i * stride mod count < due, a
 * permutation), the others over the S_LATER_DAYS from t + 1 day. */
static int64_t s_step_at(const s_args_t *a, long long i, long long stride)
{
    long long slot =
        (long long)((unsigned long long)i * (unsigned long long)stride %
                    (unsigned long long)a->count);
    uint64_t h = bench_mix((uint64_t)i);
    if (slot < a->due)
        return a->t - (int64_t)(h % 3600);
    return a->t + S_DAY + (int64_t)(h % ((uint64_t)S_LATER_DAYS * S_DAY));
}

static int s_make_regisseurs(sqlite3 *db, int64_t made)
{
    sqlite3_stmt *st = s_prepare(db, s_sql_regisseur);
    int rc = st ? 0 : -1;
    for (int i = 1; i <= S_REGISSEURS && rc == 0; i++) {
        char name[48], email[64];
        snprintf(name, sizeof name, "Regisseur %d", i);
        snprintf(email, sizeof email, "regisseur%d@leger.example", i);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, email, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, made);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    }
    if (rc < 0)
        fprintf(stderr, "bench: regisseur: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

/* Case i + 1 and its agreement, as agree_make leaves them. */
static int s_make_one(sqlite3_stmt *c, sqlite3_stmt *g, const s_args_t *a,
                      long long i, long long stride, int64_t made)
{
    int64_t id = i + 1, step = s_step_at(a, i, stride);
    int progress = (int)(i & 1);
    int regisseur = (int)(i % S_REGISSEURS) + 1;
    char owner[16], desc[96];
    sqlite3_bind_int64(c, 1, id);
    if (progress) {
        sqlite3_bind_int(c, 2, regisseur);
        sqlite3_bind_int64(c, 4, made);
    }
    sqlite3_bind_int64(c, 3, made);
    if (sqlite3_step(c) != SQLITE_DONE)
        return -1;
    sqlite3_reset(c);
    sqlite3_clear_bindings(c);
    if (progress) {
        snprintf(owner, sizeof owner, "%d", regisseur);
        snprintf(desc, sizeof desc, "Voortgangsrapportage over het plan");
    } else {
        snprintf(owner, sizeof owner, "kernteam");
        snprintf(desc, sizeof desc,
                 "Een planregisseur toewijzen aan casus "
                 "C-%06lld",
                 (long long)id);
    }
    sqlite3_bind_text(g, 1, progress ? "progress" : "assign", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(g, 2, progress ? "regisseur" : "kernteam", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(g, 3, owner, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(g, 4, id);
    sqlite3_bind_text(g, 5, desc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(g, 6, progress ? "progress" : "assign", -1,
                      SQLITE_STATIC);
    if (progress)
        sqlite3_bind_int(g, 7, 21);
    /* progress: the first step is 3 days before the due day */
    sqlite3_bind_int64(g, 8, progress ? cal_add_days(step, 3) : step);
    sqlite3_bind_int64(g, 9, step);
    sqlite3_bind_int64(g, 10, made);
    sqlite3_bind_text(g, 11, progress ? "user:kernteam" : "daemon", -1,
                      SQLITE_STATIC);
    if (sqlite3_step(g) != SQLITE_DONE)
        return -1;
    sqlite3_reset(g);
    sqlite3_clear_bindings(g);
    return 0;
}

static int s_make(const s_args_t *a)
{
    sqlite3 *db = s_open(a->db, 0);
    if (!db)
        return -1;
    long long stride = 2654435761LL % a->count;
    while (stride < 1 || s_gcd(stride, a->count) != 1)
        stride++;
    int64_t made = a->t - 30 * S_DAY;
    /* Each INSERT INTO agreement builds and frees SQLite's ephemeral
     * tables for the CHECK (... IN (...)) lists; with glibc's default
     * trim threshold every free gives the top of the heap back to the
     * kernel and the next INSERT faults it in again, ten times the
     * time of the INSERT itself. Filling is not what is measured. */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    double t0 = bench_now();
    sqlite3_stmt *c = NULL, *g = NULL;
    int rc = s_exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
                        " BEGIN") < 0 ||
                     s_make_regisseurs(db, made) < 0 ||
                     !(c = s_prepare(db, s_sql_case)) ||
                     !(g = s_prepare(db, s_sql_agreement))
                 ? -1
                 : 0;
    for (long long i = 0; i < a->count && rc == 0; i++)
        if (s_make_one(c, g, a, i, stride, made) < 0) {
            fprintf(stderr, "bench: row %lld: %s\n", i, sqlite3_errmsg(db));
            rc = -1;
        }
    sqlite3_finalize(c);
    sqlite3_finalize(g);
    if (rc == 0)
        rc = s_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
    if (sqlite3_close(db) != SQLITE_OK)
        rc = -1;
    printf("RESULT mode=make agreements=%lld due=%lld t=%lld wall_s=%.2f "
           "ok=%d\n",
           a->count, a->due, a->t, bench_now() - t0, rc == 0);
    return rc;
}

/* ---- --select, --wait ----------------------------------------------- */

/* The query plan of sql, one line; into out. */
static void s_plan(sqlite3 *db, const char *sql, char *out, size_t len)
{
    char explain[512];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = s_prepare(db, explain);
    size_t k = 0;
    out[0] = '\0';
    while (st && sqlite3_step(st) == SQLITE_ROW && k < len)
        k += (size_t)snprintf(out + k, len - k, "%s%s", k ? "; " : "",
                              (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    for (char *p = out; *p; p++)
        if (*p == ' ')
            *p = '~'; /* one key=value word; scripts/bench reads ~ as ' ' */
}

static int s_select(const s_args_t *a)
{
    static const char sql[] = "SELECT id FROM agreement WHERE next_at <= ?1";
    sqlite3 *db = s_open(a->db, 1);
    if (!db)
        return -1;
    double best = -1;
    long long rows = 0;
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        double t0 = bench_now();
        sqlite3_stmt *st = s_prepare(db, sql);
        if (!st) {
            rc = -1;
            break;
        }
        sqlite3_bind_int64(st, 1, a->t);
        long long n = 0, sum = 0;
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            sum += sqlite3_column_int64(st, 0);
            n++;
        }
        sqlite3_finalize(st);
        double dt = bench_now() - t0;
        rc = r == SQLITE_DONE && sum > 0 ? 0 : -1;
        best = best < 0 || dt < best ? dt : best;
        rows = n;
    }
    char plan[256];
    s_plan(db, sql, plan, sizeof plan);
    sqlite3_close(db);
    printf("RESULT mode=select rows=%lld best_ms=%.2f plan=%s ok=%d\n", rows,
           best * 1000, plan, rc == 0);
    return rc;
}

/* The count of rows due at t, or -1. */
static long long s_count(sqlite3 *db, sqlite3_stmt *st, long long t)
{
    sqlite3_bind_int64(st, 1, t);
    long long n =
        sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (n < 0)
        fprintf(stderr, "bench: count: %s\n", sqlite3_errmsg(db));
    sqlite3_reset(st);
    return n;
}

static int s_wait(const s_args_t *a)
{
    sqlite3 *db = s_open(a->db, 1);
    sqlite3_stmt *st = db ? s_prepare(db, "SELECT count(*) FROM agreement"
                                          " WHERE next_at <= ?1")
                          : NULL;
    if (!st) {
        sqlite3_close(db);
        return -1;
    }
    double start = s_real(), end = start + a->timeout_s, first = 0, done = 0;
    long long n0 = s_count(db, st, a->t), n = n0, polls = 1;
    printf("polling due=%lld\n", n0);
    fflush(stdout);
    while (n > 0 && s_real() < end) {
        struct timespec pause = {0, S_POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
        n = s_count(db, st, a->t);
        polls++;
        if (n >= 0 && n < n0 && first == 0)
            first = s_real();
    }
    if (n == 0)
        done = s_real();
    sqlite3_finalize(st);
    sqlite3_close(db);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("RESULT mode=wait due_at_start=%lld left=%lld polls=%lld "
           "start=%.3f first=%.3f done=%.3f cpu_s=%.3f ok=%d\n",
           n0, n, polls, start, first, done,
           (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
           n == 0);
    return n == 0 ? 0 : -1;
}

/* ---- --ready -------------------------------------------------------- */

static int s_ready(const char *path, double timeout_s)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "bench: socket path too long: %s\n", path);
        return -1;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "bench: cannot bind %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    printf("bound\n");
    fflush(stdout);
    struct timeval tv = {(time_t)timeout_s,
                         (suseconds_t)((timeout_s - (long)timeout_s) * 1e6)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    double at = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0)
            break;
        buf[n] = '\0';
        if (strncmp(buf, "READY=1", 7) == 0 || strstr(buf, "\nREADY=1")) {
            at = s_real();
            break;
        }
    }
    close(fd);
    unlink(path);
    printf("RESULT mode=ready at=%.6f ok=%d\n", at, at > 0);
    return at > 0 ? 0 : -1;
}

/* ---- main ----------------------------------------------------------- */

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: bench_agree --make DB -n COUNT -d DUE -T T\n"
                 "       bench_agree --select DB -T T\n"
                 "       bench_agree --wait DB -T T [--timeout S]\n"
                 "       bench_agree --ready SOCKET [--timeout S]\n"
                 "\n"
                 "T is seconds since the epoch. See the header of "
                 "tests/bench/bench_agree.c.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"make", no_argument, NULL, 'm'},
        {"select", no_argument, NULL, 's'},
        {"wait", no_argument, NULL, 'w'},
        {"ready", no_argument, NULL, 'r'},
        {"count", required_argument, NULL, 'n'},
        {"due", required_argument, NULL, 'd'},
        {"at", required_argument, NULL, 'T'},
        {"timeout", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    s_args_t a = {.timeout_s = 120};
    int mode = 0, c;
    while ((c = getopt_long(argc, argv, "n:d:T:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
        case 's':
        case 'w':
        case 'r':
            mode = c;
            break;
        case 'n':
            a.count = atoll(optarg);
            break;
        case 'd':
            a.due = atoll(optarg);
            break;
        case 'T':
            a.t = atoll(optarg);
            break;
        case 'o':
            a.timeout_s = atof(optarg);
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 64;
        }
    }
    if (!mode || argc - optind != 1 || a.timeout_s <= 0 ||
        (mode != 'r' && a.t <= 0) ||
        (mode == 'm' && (a.count < 1 || a.due < 0 || a.due > a.count))) {
        s_usage(stderr);
        return 64;
    }
    a.db = argv[optind];
    tzset();
    int rc = mode == 'm'   ? s_make(&a)
             : mode == 's' ? s_select(&a)
             : mode == 'w' ? s_wait(&a)
                           : s_ready(a.db, a.timeout_s);
    return rc == 0 ? 0 : 1;
}

/*
 * bench_baseline — the baseline of `make bench`, and where the daemon's
 * time goes (scripts/bench runs it and explains the whole measurement).
 *
 *   bench_baseline --batches FILE [-c C] [-n N] [-t TAG] DB KEYDIR
 *       inserts the rows the daemon would insert for the referrals of
 *       the plan (bench_gen.h) straight into a fresh database DB opened
 *       with store_open (the daemon's schema and pragmas: WAL,
 *       synchronous=FULL), with the daemon's SQL and lookups (intake.c
 *       s_known and s_insert, which are referral.c's, match.c
 *       match_find and match_join, and s_record: audit.c audit_add's
 *       referral.accepted event, and for a new case its case.opened
 *       event and agree.c agree_make's assign agreement and
 *       agreement.made event), in transactions of the
 *       sizes listed in FILE (one a line: the daemon's "intake:
 *       committed ... accepted=N"). Notifications are off, as in the
 *       daemon runs it is compared with (no 'mail' group): no outbox
 *       rows. Pseudonyms, the body digest and the assign agreement's due
 *       time (the defaults: assign_days 5, policy "assign", whose first
 *       step is on the due day, so next_at = due_at) are computed before
 *       the clock runs: no JSON (the events' details are formatted with
 *       snprintf, byte for byte what jansson makes), no HMAC, no ZeroMQ
 *       in the timed part. Then prints the ROWS line of DB (below).
 *   bench_baseline --rows DB
 *       "ROWS table=count ... event_bytes=N agreement_bytes=N sent=N":
 *       the rows of each table the intake writes, the bytes of the
 *       events' details and the agreements' descriptions (so that
 *       scripts/bench can check that the baseline wrote what the daemon
 *       wrote), and the notifications sent.
 *   bench_baseline --stages CONFIG --batches FILE [...] DB KEYDIR
 *       the daemon's work per referral without ZeroMQ, in this process:
 *       the cost of each step of intake.c and rrpreq.c (parse and
 *       validate, canonical dump, HMACs, ACK body, log line), the intake
 *       itself on the same batches (config CONFIG, log to stderr), and
 *       the baseline again without fsync and without checkpoints, to
 *       split SQLite's time.
 *
 * KEYDIR holds pseudonym.key. Prints "RESULT key=value ..." lines and one
 * line for people each. Exit 0, or 1 on any error or NACK.
 *
 * The process runs with glibc's trim threshold at 256 MiB (mallopt
 * M_TRIM_THRESHOLD): every INSERT INTO agreement builds and frees
 * SQLite's ephemeral tables for the table's CHECK (... IN (...)) lists,
 * and with the default threshold each free may give the top of the heap
 * back to the kernel and the next statement fault it in again. Whether
 * it does depends on the heap's layout (here it made the replay up to
 * four times slower, or not at all), so the baseline (and --stages)
 * stays clear of it and measures SQLite's work; scripts/bench runs
 * regied as it is, and once with MALLOC_TRIM_THRESHOLD_ set to show what
 * that costs it.
 */
#include "bench_gen.h"
#include "cal.h"
#include "config/cfg.h"
#include "config/cfgload.h"
#include "intake/decode.h"
#include "intake/intake.h"
#include "intake/reply.h"
#include "keys.h"
#include "log.h"
#include "mail/notify.h"
#include "pseudo.h"
#include "intake/rrp.h"
#include "intake/rrpjson.h"
#include "intake/rrpreferral.h"
#include "store/store.h"
#include "xmem.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* What one run does: the referrals (as bench_intake made them), and the
 * transaction sizes to replay. */
typedef struct {
    const char *tag; /* external_id prefix of the daemon's run */
    int clients;     /* clients of the daemon's run */
    int partners;    /* partner keys of the daemon's run */
    size_t count;    /* referrals */
    size_t *batches; /* transaction sizes, owned */
    size_t nbatches;
    const char *pragmas; /* run after store_open (what-if), or NULL */
} s_plan_t;

/* One referral as the daemon would store it, computed before the clock
 * runs. */
typedef struct {
    bench_ref_t ref;
    int partner_no; /* N of pN */
    char partner[16];
    char postcode[16]; /* normalised "6708PB" */
    char email[48];    /* contact.email */
    char actor[24];    /* "partner:pN", the events' actor */
    char *body;        /* the request body */
    size_t body_len;
    unsigned char digest[PSEUDO_LEN]; /* of the body */
    unsigned char person[BENCH_PERSONS_MAX][PSEUDO_LEN];
} s_row_t;

/* The daemon's SQL, verbatim from daemon/cases/referral.c and
 * daemon/cases/match.c (scripts/bench checks that they are still the
 * same). */
static const char s_sql_find[] =
    "SELECT id, digest, case_id, case_status, ack_regisseur, received_at"
    " FROM referral WHERE partner = ?1 AND external_id = ?2";
static const char s_sql_insert[] =
    "INSERT INTO referral (partner, external_id, digest, case_id, kind,"
    " category, urgency, birth_date, postcode, contact_name, contact_email,"
    " contact_phone, occurred_at, note, persons, overlap, received_at,"
    " case_status, ack_regisseur) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
    " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
static const char s_sql_open_cases[] =
    "SELECT c.id, c.regisseur_id FROM membership m"
    " JOIN cases c ON c.id = m.case_id"
    " WHERE m.pseudonym = ?1 AND c.status = 'open'";
static const char s_sql_new_case[] =
    "INSERT INTO cases (opened_at) VALUES (?1)";
static const char s_sql_join[] =
    "INSERT OR IGNORE INTO membership (pseudonym, case_id, referral_id,"
    " joined_at) VALUES (?1, ?2, ?3, ?4)";
/* audit.c s_sql_add and agree.c s_sql_insert (scripts/bench checks
 * them under those names). */
static const char s_sql_event[] =
    "INSERT INTO event (at, actor, action, case_id, agreement_id, ref,"
    " details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char s_sql_agreement[] =
    "INSERT INTO agreement (kind, owner_type, owner, case_id, description,"
    " policy, period_days, due_at, next_at, created_at, created_by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* The defaults of the bench's configuration (no 'agreements' group):
 * a new case's regisseur is due in 5 days (cfgagree.c). */
#define S_ASSIGN_DAYS 5

/* ---- the rows ------------------------------------------------------ */

static s_row_t *s_rows(const s_plan_t *p, const unsigned char *key)
{
    s_row_t *rows = xcalloc(p->count, sizeof *rows);
    char body[BENCH_BODY_MAX];
    for (size_t j = 0; j < p->count; j++) {
        s_row_t *w = &rows[j];
        w->partner_no = bench_partner(p->clients, p->partners, j);
        bench_gen(p->tag, p->clients, j, &w->ref);
        snprintf(w->partner, sizeof w->partner, "p%d", w->partner_no);
        snprintf(w->postcode, sizeof w->postcode, "%d%s", w->ref.pc_num,
                 w->ref.pc_letters);
        snprintf(w->email, sizeof w->email, "j.devries@p%d.example",
                 w->partner_no);
        snprintf(w->actor, sizeof w->actor, "partner:%s", w->partner);
        w->body_len = bench_body(&w->ref, w->partner_no, body, sizeof body);
        w->body = xstrndup(body, w->body_len);
        pseudo_digest(key, body, w->body_len, w->digest);
        for (int i = 0; i < w->ref.persons; i++)
            pseudo_person(key, w->ref.bsn[i], w->person[i]);
    }
    return rows;
}

static void s_rows_free(s_row_t *rows, size_t n)
{
    for (size_t j = 0; j < n; j++)
        free(rows[j].body);
    free(rows);
}

/* Reads the batch sizes (one positive number a line) into p. */
static int s_read_batches(s_plan_t *p, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 1024;
    unsigned long v;
    p->batches = xmalloc(cap * sizeof *p->batches);
    p->nbatches = 0;
    while (fscanf(f, "%lu", &v) == 1) {
        if (v == 0)
            continue;
        if (p->nbatches == cap)
            p->batches = xrealloc(p->batches, (cap *= 2) * sizeof *p->batches);
        p->batches[p->nbatches++] = v;
    }
    fclose(f);
    return 0;
}

/* The size of transaction tx: as listed, then the listed mean. */
static size_t s_batch(const s_plan_t *p, size_t tx)
{
    if (tx < p->nbatches)
        return p->batches[tx];
    size_t sum = 0;
    for (size_t i = 0; i < p->nbatches; i++)
        sum += p->batches[i];
    return p->nbatches && sum / p->nbatches ? sum / p->nbatches : 1;
}

/* CPU seconds of the calling thread. */
static double s_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the daemon's statements -------------------------------------- */

/* match_find's lookups: the open case with the highest id of any person,
 * and the number of cases seen (as match.c, which remembers 64). */
static int s_base_match(store_t *st, const s_row_t *w, int64_t *kase,
                        int *cases)
{
    int64_t seen[64];
    *kase = 0;
    *cases = 0;
    for (int i = 0; i < w->ref.persons; i++) {
        sqlite3_stmt *q = store_prepare(st, s_sql_open_cases);
        if (!q)
            return -1;
        sqlite3_bind_blob(q, 1, w->person[i], PSEUDO_LEN, SQLITE_STATIC);
        int rc;
        while ((rc = store_step(st, q)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(q, 0);
            int known = 0;
            for (int k = 0; k < *cases && k < 64; k++)
                known = known || seen[k] == id;
            if (known)
                continue;
            if (*cases < 64)
                seen[*cases] = id;
            (*cases)++;
            *kase = id > *kase ? id : *kase;
        }
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/* match_find's new case, when no open case holds any person. */
static int s_base_case(store_t *st, int64_t now, int64_t *kase)
{
    sqlite3_stmt *q = store_prepare(st, s_sql_new_case);
    if (!q)
        return -1;
    sqlite3_bind_int64(q, 1, now);
    if (store_step(st, q) != SQLITE_DONE)
        return -1;
    *kase = store_last_id(st);
    return 0;
}

/* intake.c s_insert (referral_insert), with the values the daemon binds. */
static int64_t s_base_insert(store_t *st, const s_row_t *w, int64_t kase,
                             int cases, int64_t now)
{
    const bench_ref_t *r = &w->ref;
    sqlite3_stmt *q = store_prepare(st, s_sql_insert);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, w->partner, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, r->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, w->digest, PSEUDO_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, kase);
    sqlite3_bind_text(q, 5, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, r->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, r->urgency, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, r->birth_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, w->postcode, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, "J. de Vries", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 11, w->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 12, "+31 88 000 0000", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 13, "2026-11-20T10:15:00+01:00", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 14, bench_note, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 15, r->persons);
    sqlite3_bind_int(q, 16, cases > 1);
    sqlite3_bind_int64(q, 17, now);
    sqlite3_bind_text(q, 18, cases ? "unassigned" : "new", -1, SQLITE_STATIC);
    sqlite3_bind_null(q, 19);
    if (store_step(st, q) != SQLITE_DONE)
        return -1;
    return store_last_id(st);
}

/* audit.c audit_add: one event; case_id, agreement_id 0 and ref,
 * details NULL are bound as NULL, as the daemon binds them. */
static int s_base_event(store_t *st, int64_t at, const char *actor,
                        const char *action, int64_t case_id,
                        int64_t agreement_id, const char *ref,
                        const char *details)
{
    sqlite3_stmt *q = store_prepare(st, s_sql_event);
    if (!q)
        return -1;
    sqlite3_bind_int64(q, 1, at);
    sqlite3_bind_text(q, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, action, -1, SQLITE_STATIC);
    if (case_id)
        sqlite3_bind_int64(q, 4, case_id);
    if (agreement_id)
        sqlite3_bind_int64(q, 5, agreement_id);
    if (ref)
        sqlite3_bind_text(q, 6, ref, -1, SQLITE_STATIC);
    if (details)
        sqlite3_bind_text(q, 7, details, -1, SQLITE_STATIC);
    return store_step(st, q) == SQLITE_DONE ? 0 : -1;
}

/* agree.c agree_make for agreehook_new_case: the assign agreement of a
 * new case (owner kernteam, one-off, policy assign, next_at = due_at)
 * and its agreement.made event (details sorted by key, as jansson's
 * JSON_SORT_KEYS makes them). */
static int s_base_assign(store_t *st, int64_t kase, int64_t now, int64_t due)
{
    char desc[96], ref[24], details[160];
    snprintf(desc, sizeof desc,
             "Een planregisseur toewijzen aan casus "
             "C-%06lld",
             (long long)kase);
    sqlite3_stmt *q = store_prepare(st, s_sql_agreement);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, "assign", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, "kernteam", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, "kernteam", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, kase);
    sqlite3_bind_text(q, 5, desc, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, "assign", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, due);
    sqlite3_bind_int64(q, 9, due);
    sqlite3_bind_int64(q, 10, now);
    sqlite3_bind_text(q, 11, "daemon", -1, SQLITE_STATIC);
    if (store_step(st, q) != SQLITE_DONE)
        return -1;
    int64_t id = store_last_id(st);
    snprintf(ref, sizeof ref, "A-%06lld", (long long)id);
    snprintf(details, sizeof details,
             "{\"due_at\":%lld,\"kind\":\"assign\",\"occurrence\":1,"
             "\"owner\":\"kernteam\",\"policy\":\"assign\"}",
             (long long)due);
    return s_base_event(st, now, "daemon", "agreement.made", kase, id, ref,
                        details);
}

/* intake.c s_record: the referral's event; for a new case its
 * case.opened event and the assign agreement. */
static int s_base_record(store_t *st, const s_row_t *w, int64_t id,
                         int64_t kase, int cases, int64_t now, int64_t due)
{
    char ref[24], details[128];
    snprintf(ref, sizeof ref, "R-%06lld", (long long)id);
    snprintf(details, sizeof details,
             "{\"case_status\":\"%s\",\"kind\":\"%s\",\"persons\":%d}",
             cases ? "unassigned" : "new", w->ref.kind, w->ref.persons);
    if (s_base_event(st, now, w->actor, "referral.accepted", kase, 0, ref,
                     details) < 0)
        return -1;
    if (cases)
        return 0;
    if (s_base_event(st, now, w->actor, "case.opened", kase, 0, ref, NULL) < 0)
        return -1;
    return s_base_assign(st, kase, now, due);
}

/* What the daemon runs for one new referral inside the transaction:
 * s_known, match_find, s_insert, match_join, s_record. Returns 0 or
 * -1. */
static int s_base_one(store_t *st, const s_row_t *w, int64_t now, int64_t due)
{
    sqlite3_stmt *q = store_prepare(st, s_sql_find);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, w->partner, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, w->ref.external_id, -1, SQLITE_STATIC);
    if (store_step(st, q) != SQLITE_DONE)
        return -1;
    int64_t kase, id;
    int cases;
    if (s_base_match(st, w, &kase, &cases) < 0 ||
        (cases == 0 && s_base_case(st, now, &kase) < 0) ||
        (id = s_base_insert(st, w, kase, cases, now)) < 0)
        return -1;
    for (int i = 0; i < w->ref.persons; i++) {
        q = store_prepare(st, s_sql_join);
        if (!q)
            return -1;
        sqlite3_bind_blob(q, 1, w->person[i], PSEUDO_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, kase);
        sqlite3_bind_int64(q, 3, id);
        sqlite3_bind_int64(q, 4, now);
        if (store_step(st, q) != SQLITE_DONE)
            return -1;
    }
    return s_base_record(st, w, id, kase, cases, now, due);
}

/* Opens a fresh database at path with store_open, then runs pragmas
 * (NULL: none, as the daemon). Returns the store or NULL. */
static store_t *s_fresh(const char *path, const char *pragmas)
{
    char side[4200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    store_t *st = store_open(path, 2000, 0);
    if (st && pragmas && store_exec(st, pragmas) < 0)
        store_destroy(&st);
    return st;
}

/* Inserts every row in transactions of the plan's sizes into a fresh
 * database. Returns the wall time in seconds, or -1; *tx: transactions,
 * *cpu: CPU seconds of this thread. */
static double s_replay(const s_plan_t *p, const s_row_t *rows, const char *db,
                       const char *pragmas, size_t *tx, double *cpu)
{
    store_t *st = s_fresh(db, pragmas);
    if (!st)
        return -1;
    int64_t now = (int64_t)time(NULL);
    int64_t due = cal_add_days(now, S_ASSIGN_DAYS);
    size_t j = 0;
    int failed = 0;
    double t0 = bench_now(), c0 = s_cpu();
    for (*tx = 0; j < p->count && !failed; (*tx)++) {
        size_t b = s_batch(p, *tx);
        failed = store_begin(st) < 0;
        for (size_t k = 0; k < b && j < p->count && !failed; k++, j++)
            failed = s_base_one(st, &rows[j], now, due) < 0;
        if (failed)
            store_rollback(st);
        else
            failed = store_commit(st) < 0;
    }
    double wall = bench_now() - t0;
    *cpu = s_cpu() - c0;
    store_destroy(&st);
    return failed ? -1 : wall;
}

/* CPU seconds this process has used, all threads. */
static double s_proc_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Prints the ROWS line of database path (see the header). Returns 0 or
 * -1 after a message. */
static int s_print_rows(const char *path)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM referral), (SELECT count(*) FROM cases),"
        " (SELECT count(*) FROM membership), (SELECT count(*) FROM event),"
        " (SELECT count(*) FROM agreement),"
        " (SELECT count(*) FROM notification),"
        " (SELECT total(length(details)) FROM event),"
        " (SELECT total(length(description)) FROM agreement),"
        " (SELECT count(*) FROM notification WHERE status = 'sent')";
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        printf("ROWS referral=%lld cases=%lld membership=%lld event=%lld "
               "agreement=%lld notification=%lld event_bytes=%.0f "
               "agreement_bytes=%.0f sent=%lld\n",
               sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
               sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3),
               sqlite3_column_int64(q, 4), sqlite3_column_int64(q, 5),
               sqlite3_column_double(q, 6), sqlite3_column_double(q, 7),
               sqlite3_column_int64(q, 8));
        rc = SQLITE_OK;
    } else {
        fprintf(stderr, "bench: cannot count the rows of %s: %s\n", path,
                db ? sqlite3_errmsg(db) : "out of memory");
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static int s_baseline(const s_plan_t *p, const s_row_t *rows, const char *db)
{
    size_t tx = 0, listed = 0;
    double cpu, wall = s_replay(p, rows, db, p->pragmas, &tx, &cpu);
    for (size_t i = 0; i < p->nbatches; i++)
        listed += p->batches[i];
    double rps = wall > 0 ? (double)p->count / wall : 0;
    double mean = tx ? (double)p->count / (double)tx : 0;
    printf("RESULT mode=baseline clients=%d n=%zu transactions=%zu "
           "batch_mean=%.1f batches_listed=%zu rows_listed=%zu "
           "wall_s=%.3f cpu_s=%.3f proc_cpu_s=%.3f rps=%.0f ok=%d\n",
           p->clients, p->count, tx, mean, p->nbatches, listed, wall, cpu,
           s_proc_cpu(), rps, wall > 0);
    printf("  baseline: %.0f referrals/s straight into SQLite (WAL, "
           "synchronous=FULL): %zu transactions of %.1f on average, the "
           "daemon's batch sizes replayed\n",
           rps, tx, mean);
    return wall > 0 ? s_print_rows(db) : -1;
}

/* ---- where the daemon's time goes --------------------------------- */

/* The per-referral cost in microseconds of the steps of intake.c outside
 * SQLite, each timed alone over every row. */
typedef struct {
    double parse;     /* rrpreferral_parse + clear (rrpreq_decode's
                       * frame checks, a few compares, left out) */
    double canonical; /* rrpjson_canonical (json_dumps, sorted keys) */
    double hmac;      /* pseudo_digest + pseudo_person per person */
    double reply;     /* the ACK body: json_pack + json_dumps */
    double log;       /* one log_info line (the "accepted" line) */
    double audit;     /* s_record outside SQLite: the events' details
                       * (json_pack + json_dumps, sorted keys) and, for
                       * a new case, the assign agreement's times
                       * (cal_add_days, as agree_make and ladder_plan) */
} s_steps_t;

/* Frames of a REFERRAL request for row w; corr is the caller's. */
static void s_frames(const s_row_t *w, const char *corr, rrp_frame_t f[4])
{
    f[0] = (rrp_frame_t){"RRP1", 4};
    f[1] = (rrp_frame_t){"REFERRAL", 8};
    f[2] = (rrp_frame_t){corr, strlen(corr)};
    f[3] = (rrp_frame_t){w->body, w->body_len};
}

/* What s_record and agree_make compute outside SQLite for row w: the
 * details of its events and, for a new case, the assign agreement's due
 * time and next step (two calendar additions, as agreehook_new_case and
 * ladder_plan of the assign policy make them). */
static void s_steps_audit(const s_row_t *w)
{
    int64_t now = (int64_t)time(NULL);
    const char *status = w->ref.shared ? "unassigned" : "new";
    json_t *d = json_pack("{s:s, s:i, s:s}", "kind", w->ref.kind, "persons",
                          w->ref.persons, "case_status", status);
    free(json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS));
    json_decref(d);
    if (w->ref.shared)
        return;
    int64_t due = cal_add_days(now, S_ASSIGN_DAYS);
    volatile int64_t step = cal_add_days(due, 3);
    (void)step;
    d = json_pack("{s:s, s:s, s:s, s:I}", "kind", "assign", "owner", "kernteam",
                  "policy", "assign", "due_at", (json_int_t)due);
    json_object_set_new(d, "occurrence", json_integer(1));
    free(json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS));
    json_decref(d);
}

/* Times the steps of one row; adds seconds to out. Returns 0 or -1. */
static int s_steps_one(const cfg_t *cfg, const s_row_t *w, s_steps_t *out)
{
    rrpreferral_rules_t rules = {.household_max = cfg->household,
                                 .categories = cfg->categories,
                                 .categories_n = cfg->categories_n,
                                 .today = "2030-01-01"};
    rrp_frame_t f[4];
    rrpreferral_t r;
    rrp_problem_t pb;
    unsigned char mac[PSEUDO_LEN];
    s_frames(w, "c1", f);
    double t0 = bench_now();
    if (rrpreferral_parse(f[3].data, f[3].len, &rules, &r, &pb) < 0) {
        fprintf(stderr, "bench: refused: %s\n", pb.message);
        return -1;
    }
    double t1 = bench_now();
    char *canon = rrpjson_canonical(r.root);
    double t2 = bench_now();
    pseudo_digest(cfg->pseudo_key, canon, strlen(canon), mac);
    for (size_t i = 0; i < r.persons; i++)
        pseudo_person(cfg->pseudo_key, r.bsns[i], mac);
    double t3 = bench_now();
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "status", "accepted", "referral",
                  "R-000042", "case", "C-000017", "case_status", "unassigned",
                  "regisseur", json_null());
    char *ack = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(ack);
    double t4 = bench_now();
    log_info("intake: accepted referral=R-%06lld partner=%s case=C-%06lld "
             "case_status=%s persons=%zu%s",
             42LL, w->partner, 17LL, "unassigned", r.persons, "");
    double t5 = bench_now();
    s_steps_audit(w);
    double t5a = bench_now();
    free(canon);
    double t6 = bench_now();
    rrpreferral_clear(&r);
    double t7 = bench_now();
    out->parse += (t1 - t0) + (t7 - t6);
    out->canonical += t2 - t1;
    out->hmac += t3 - t2;
    out->reply += t4 - t3;
    out->log += t5 - t4;
    out->audit += t5a - t5;
    return 0;
}

/* The intake's steps (decode_batch, intake_store, reply_batch, reply_log) on
 * the same rows and batches, in this thread, on a fresh database db.
 * Returns the wall time, or -1 (a store error or any reply not ACK);
 * *cpu: CPU seconds of this thread. */
static double s_intake(const s_plan_t *p, const cfg_t *cfg, const s_row_t *rows,
                       const char *db, double *cpu)
{
    notify_t *notify = notify_new(cfg);
    store_t *st = notify ? s_fresh(db, NULL) : NULL;
    if (!st) {
        notify_destroy(&notify);
        return -1;
    }
    intake_t *in = intake_new(st, cfg, notify);
    decode_rules_t *rules = decode_rules_new(cfg);
    size_t cap = 1, j = 0, bad = 0;
    for (size_t tx = 0; tx < p->nbatches; tx++)
        cap = p->batches[tx] > cap ? p->batches[tx] : cap;
    intake_item_t *items = xcalloc(cap, sizeof *items);
    rrp_frame_t(*frames)[4] = xcalloc(cap, sizeof *frames);
    char(*corr)[24] = xcalloc(cap, sizeof *corr);
    double t0 = bench_now(), c0 = s_cpu();
    for (size_t tx = 0; j < p->count; tx++) {
        size_t b = s_batch(p, tx), n = 0;
        for (; n < b && n < cap && j < p->count; n++, j++) {
            snprintf(corr[n], sizeof corr[n], "r%zu", j);
            s_frames(&rows[j], corr[n], frames[n]);
            items[n] = (intake_item_t){.frames = frames[n], .nframes = 4};
            snprintf(items[n].partner_id, sizeof items[n].partner_id, "%s",
                     rows[j].partner);
        }
        decode_batch(rules, items, n);
        intake_store(in, items, n);
        reply_batch(items, n);
        reply_log(items, n);
        for (size_t i = 0; i < n; i++) {
            bad += strcmp(items[i].status, "ACK") != 0;
            intake_item_clear(&items[i]);
        }
    }
    double wall = bench_now() - t0;
    *cpu = s_cpu() - c0;
    free(items);
    free(frames);
    free(corr);
    intake_destroy(&in);
    decode_rules_destroy(&rules);
    store_destroy(&st);
    notify_destroy(&notify);
    return bad ? -1 : wall;
}

/* One wall figure and one CPU figure per referral, in microseconds. */
typedef struct {
    double wall, cpu;
} s_cost_t;

static int s_stages(const s_plan_t *p, const s_row_t *rows, const char *db,
                    const char *config)
{
    cfg_t *cfg = cfgload_read(config);
    if (!cfg)
        return -1;
    log_set_level(cfg->log_level);
    s_steps_t s = {0};
    int rc = 0;
    for (size_t j = 0; j < p->count && rc == 0; j++)
        rc = s_steps_one(cfg, &rows[j], &s);
    double us = 1e6 / (double)p->count;
    static const char *const pragmas[] = {NULL, "PRAGMA synchronous=OFF",
                                          "PRAGMA wal_autocheckpoint=0"};
    s_cost_t c[4]; /* the intake; SQL as the daemon; no fsync; no ckpt */
    size_t tx = 0;
    c[0].wall = rc ? -1 : s_intake(p, cfg, rows, db, &c[0].cpu);
    for (int i = 0; i < 3; i++)
        c[i + 1].wall = s_replay(p, rows, db, pragmas[i], &tx, &c[i + 1].cpu);
    for (int i = 0; i < 4; i++) {
        rc = rc || c[i].wall < 0;
        c[i].wall *= us;
        c[i].cpu *= us;
    }
    printf("RESULT mode=stages n=%zu transactions=%zu parse_us=%.2f "
           "canonical_us=%.2f hmac_us=%.2f reply_us=%.2f log_us=%.2f "
           "audit_us=%.2f intake_us=%.2f intake_cpu_us=%.2f sql_us=%.2f "
           "sql_cpu_us=%.2f "
           "sql_nosync_us=%.2f sql_nocheckpoint_us=%.2f ok=%d\n",
           p->count, tx, s.parse * us, s.canonical * us, s.hmac * us,
           s.reply * us, s.log * us, s.audit * us, c[0].wall, c[0].cpu,
           c[1].wall, c[1].cpu, c[2].wall, c[3].wall, rc == 0);
    cfg_destroy(&cfg);
    return rc == 0 ? 0 : -1;
}

/* ---- main ---------------------------------------------------------- */

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: bench_baseline --batches FILE [options] DB KEYDIR\n"
        "       bench_baseline --stages CONFIG --batches FILE [options] DB "
        "KEYDIR\n"
        "       bench_baseline --rows DB\n"
        "\n"
        "KEYDIR holds pseudonym.key. DB is made anew (and its -wal, -shm).\n"
        "\n"
        "  -c, --clients N     clients of the daemon's run (default 1)\n"
        "  -n, --count M       referrals (default 20000)\n"
        "  -p, --partners K    partner keys of the daemon's run (default 4)\n"
        "  -t, --tag T         external_id prefix of the daemon's run (default "
        "B)\n"
        "  -b, --batches FILE  transaction sizes, one a line\n"
        "  -s, --stages CONFIG time intake.c's steps with this configuration\n"
        "  -x, --pragmas SQL   run SQL after store_open: what-if experiments "
        "for\n"
        "                      store.c (make bench does not use it)\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"clients", required_argument, NULL, 'c'},
        {"count", required_argument, NULL, 'n'},
        {"partners", required_argument, NULL, 'p'},
        {"tag", required_argument, NULL, 't'},
        {"batches", required_argument, NULL, 'b'},
        {"stages", required_argument, NULL, 's'},
        {"pragmas", required_argument, NULL, 'x'},
        {"rows", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    s_plan_t p = {.tag = "B", .clients = 1, .partners = 4, .count = 20000};
    const char *batches = NULL, *config = NULL;
    int c, rows_only = 0;
    while ((c = getopt_long(argc, argv, "c:n:p:t:b:s:x:rh", opts, NULL)) !=
           -1) {
        switch (c) {
        case 'c':
            p.clients = atoi(optarg);
            break;
        case 'n':
            p.count = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'p':
            p.partners = atoi(optarg);
            break;
        case 't':
            p.tag = optarg;
            break;
        case 'b':
            batches = optarg;
            break;
        case 's':
            config = optarg;
            break;
        case 'x':
            p.pragmas = optarg;
            break;
        case 'r':
            rows_only = 1;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 64;
        }
    }
    if (rows_only && argc - optind == 1)
        return s_print_rows(argv[optind]) == 0 ? 0 : 1;
    if (argc - optind != 2 || !batches || p.clients < 1 || p.partners < 1 ||
        p.count < 1 || p.count > BENCH_COUNT_MAX) {
        s_usage(stderr);
        return 64;
    }
    const char *db = argv[optind], *keydir = argv[optind + 1];
    char path[4096], err[512];
    unsigned char key[KEYS_PSEUDO_LEN];
    snprintf(path, sizeof path, "%s/pseudonym.key", keydir);
    store_global_init(); /* as regied */
    if (sodium_init() < 0 || s_read_batches(&p, batches) < 0)
        return 1;
    if (keys_read_pseudo(path, key, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    log_set_level(LOG_LEVEL_WARNING);
    mallopt(M_TRIM_THRESHOLD, 256 << 20); /* see the header */
    s_row_t *rows = s_rows(&p, key);
    int rc = config ? s_stages(&p, rows, db, config) : s_baseline(&p, rows, db);
    s_rows_free(rows, p.count);
    free(p.batches);
    return rc == 0 ? 0 : 1;
}

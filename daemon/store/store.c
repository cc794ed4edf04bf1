/*
 * store — SQLite for regied: durability settings, the WAL's bounds, a
 * cache of prepared statements and checked binds. Main thread only. The
 * tables and their versions are schema.c's.
 */
#include "store.h"

#include "clock.h"
#include "log.h"
#include "schema.h"
#include "walbuf.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STORE_CACHE_MAX 256  /* prepared statements kept */
#define STORE_MEMO_MAX 4     /* values kept by store_int64_memo */
#define STORE_CACHE_KB 16384 /* the page cache, KiB (see s_durability) */
#define S_STR2(x) #x
#define S_STR(x) S_STR2(x)

/* synchronous=FULL: a commit's WAL frames are synced before COMMIT
 * returns, so an ACK (sent after it) means durable. The one exception is
 * the control of the power-loss fault test (tests/faults/powercut.py):
 * make faults builds $(BUILD)/faults/regied-normal with
 * -DREGIE_FAULTS_SYNC_NORMAL, whose commits are not synced and must be
 * seen to lose acknowledged referrals. The Makefile refuses that flag
 * anywhere else, so regied itself cannot run with NORMAL. */
#ifdef REGIE_FAULTS_SYNC_NORMAL
#define S_SYNCHRONOUS "NORMAL"
#define S_SYNCHRONOUS_READBACK "1"
#else
#define S_SYNCHRONOUS "FULL"
#define S_SYNCHRONOUS_READBACK "2"
#endif

struct store {
    sqlite3 *db; /* the one connection */
    char *path;  /* for log lines */
    struct {
        const char *sql; /* cache key: the static string */
        sqlite3_stmt *st;
        bool unbound;         /* a bind failed: the next step fails unrun */
    } cache[STORE_CACHE_MAX]; /* prepared statements */
    int cached;               /* entries in cache */
    int unbound;              /* entries with unbound set */
    int64_t wal_max;          /* bytes of WAL before a truncating
                               * checkpoint; 0: SQLite's own checkpoints */
    int64_t page_size;
    int busy_ms;         /* the busy timeout */
    bool scrub;          /* after this transaction's commit: truncate the WAL */
    bool scrub_due;      /* a truncation that could not be done yet */
    int64_t scrub_tried; /* when it was last tried, CLOCK_MONOTONIC ms */
    int scrub_commits;   /* commits since then */
    struct {
        const char *sql;   /* key: the static string; NULL: free */
        int64_t changes;   /* sqlite3_total_changes64 when it was read */
        int64_t value;
    } memo[STORE_MEMO_MAX]; /* store_int64_memo's values */
};

static void s_log_error(store_t *s, const char *what)
{
    log_err("store: %s failed path=%s error=\"%s\" code=%d", what, s->path,
            sqlite3_errmsg(s->db), sqlite3_extended_errcode(s->db));
}

int store_exec(store_t *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_err("store: exec failed path=%s error=\"%s\"", s->path,
                msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Reads a one-row, one-column pragma as text into out. */
static int s_pragma(store_t *s, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(out, len, "%s", v ? (const char *)v : "");
        rc = 0;
    } else {
        s_log_error(s, sql);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Sets WAL and synchronous=FULL (S_SYNCHRONOUS) and reads both back. */
static int s_durability(store_t *s, int max_mb)
{
    char v[64];
    if (s_pragma(s, "PRAGMA journal_mode=WAL", v, sizeof v) < 0)
        return -1;
    if (strcmp(v, "wal") != 0) {
        log_err("store: journal_mode is %s, not wal path=%s", v, s->path);
        return -1;
    }
    /* A page cache of STORE_CACHE_KB: with SQLite's default (2 MiB) a
     * transaction of a few hundred referrals filled it with dirty pages,
     * spilled them to the WAL before the commit and wrote them again at
     * the commit, and read pages back: for 20,000 referrals in batches
     * of 250, 104,000 writes and 50,000 reads, against 77,000 and 7,000
     * with 8 MiB, 6-7 us of CPU per referral. The cache keeps its pages
     * from one transaction to the next (the checkpointer does not reset
     * it), and fills only as pages are used. Temporary files in memory:
     * the journal of a savepoint (an import has one per line) wrote 67,000
     * pages to a temporary file for an import of 10,000 agreements; and no
     * temporary folder is needed. */
    if (store_exec(s, "PRAGMA cache_size=-" S_STR(STORE_CACHE_KB)) < 0 ||
        store_exec(s,
                   "PRAGMA synchronous=" S_SYNCHRONOUS
                   "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY") < 0 ||
        s_pragma(s, "PRAGMA synchronous", v, sizeof v) < 0)
        return -1;
    if (strcmp(v, S_SYNCHRONOUS_READBACK) != 0) {
        log_err("store: synchronous is %s, not " S_SYNCHRONOUS
                " (" S_SYNCHRONOUS_READBACK ") path=%s",
                v, s->path);
        return -1;
    }
#ifdef REGIE_FAULTS_SYNC_NORMAL
    log_warn("store: synchronous=NORMAL, the fault test's control build: "
             "an ACK does not mean durable path=%s",
             s->path);
#endif
    /* Deleted rows are overwritten, not left readable in free pages. */
    if (s_pragma(s, "PRAGMA secure_delete=ON", v, sizeof v) < 0 ||
        strcmp(v, "1") != 0) {
        log_err("store: secure_delete is not on path=%s", s->path);
        return -1;
    }
    if (s_pragma(s, "PRAGMA page_size", v, sizeof v) < 0)
        return -1;
    s->page_size = atol(v);
    if (max_mb > 0) {
        long pages = (long)max_mb * 1024 * 1024 / atol(v);
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count=%ld", pages);
        if (s_pragma(s, sql, v, sizeof v) < 0)
            return -1;
    }
    return 0;
}

/* Creates the file 0600 when missing, so the database is never readable
 * by others, even for a moment. */
static int s_create(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_err("store: cannot create path=%s error=\"%s\"", path,
                strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

void store_global_init(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        log_warn("store: SQLite's memory statistics stay on (too late to "
                 "turn them off)");
}

store_t *store_open(const char *path, int busy_timeout_ms, int max_mb)
{
    if (s_create(path) < 0)
        return NULL;
    store_t *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, walbuf_register()) != SQLITE_OK) {
        log_err("store: cannot open path=%s error=\"%s\"", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_destroy(&s);
        return NULL;
    }
    sqlite3_extended_result_codes(s->db, 1);
    s->busy_ms = busy_timeout_ms;
    sqlite3_busy_timeout(s->db, busy_timeout_ms);
    if (s_durability(s, max_mb) < 0 || schema_migrate(s->db, s->path) < 0) {
        store_destroy(&s);
        return NULL;
    }
    /* A commit's WAL frames in one write (see walbuf.h). */
    if (!walbuf_attach(s->db))
        log_info("store: WAL writes unbuffered path=%s", path);
    return s;
}

/* After each commit. Past the WAL limit the writer copies what the
 * checkpointer left (PASSIVE: between two of its own transactions that
 * is everything, so its next transaction starts the WAL over and writes
 * over the file from the start). Past twice the limit (a reader kept the
 * WAL from starting over) it truncates the WAL, waiting for readers, so
 * the WAL stays bounded under any load. Without a limit: PASSIVE past
 * STORE_WAL_FALLBACK pages. */
static int s_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    store_t *s = arg;
    int64_t bytes = (int64_t)pages * s->page_size;
    if (s->wal_max > 0 && bytes > 2 * s->wal_max)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                  NULL);
    else if (s->wal_max > 0 ? bytes > s->wal_max : pages >= STORE_WAL_FALLBACK)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                  NULL);
    return SQLITE_OK;
}

/* The file keeps up to twice the limit when the WAL starts over: a WAL
 * that starts over just past the limit is written over, not cut. */
int store_set_wal_limit(store_t *s, int mb)
{
    char sql[64], v[64];
    s->wal_max = (int64_t)mb * 1024 * 1024;
    snprintf(sql, sizeof sql, "PRAGMA journal_size_limit=%lld",
             (long long)(2 * s->wal_max));
    return s_pragma(s, sql, v, sizeof v);
}

void store_scrub_after_commit(store_t *s)
{
    s->scrub = true;
}

/* Checkpoints the whole WAL and truncates it to nothing, so no page of
 * what was deleted is left in it. Right after the commit that deleted,
 * it tries for up to S_SCRUB_MS: the checkpointer's own checkpoint holds
 * a lock SQLite does not wait for (SQLITE_BUSY at once), readers it
 * waits for with the busy timeout. If it still cannot, the truncation is
 * due: tried again without waiting after a later commit, S_SCRUB_MS or
 * S_SCRUB_COMMITS commits after the last try (each try costs a sync of
 * the database file), so that a long reader (a backup) does not slow
 * every commit down. */
#define S_SCRUB_MS 2000
#define S_SCRUB_COMMITS 64
static void s_scrub(store_t *s)
{
    bool first = s->scrub;
    int64_t start = clock_mono_ms();
    if (!first && ++s->scrub_commits < S_SCRUB_COMMITS &&
        start - s->scrub_tried < S_SCRUB_MS)
        return;
    s->scrub_commits = 0;
    s->scrub = false;
    if (!first)
        sqlite3_busy_timeout(s->db, 0);
    struct timespec pause = {0, 2 * 1000 * 1000};
    int log = 0, done = 0, rc, tries = 0;
    for (;;) {
        rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                       &log, &done);
        tries++;
        if (!first || (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
            clock_mono_ms() - start >= S_SCRUB_MS)
            break;
        nanosleep(&pause, NULL);
    }
    if (!first)
        sqlite3_busy_timeout(s->db, s->busy_ms);
    s->scrub_tried = clock_mono_ms();
    if (rc != SQLITE_OK) {
        if (first || !s->scrub_due)
            log_warn("store: truncating checkpoint failed path=%s "
                     "error=\"%s\" tries=%d, again after a later commit",
                     s->path, sqlite3_errstr(rc), tries);
        s->scrub_due = true;
        return;
    }
    s->scrub_due = false;
    log_info("store: WAL truncated path=%s frames=%d", s->path, done);
}

int store_manual_checkpoints(store_t *s)
{
    if (store_exec(s, "PRAGMA wal_autocheckpoint=0") < 0)
        return -1;
    sqlite3_wal_hook(s->db, s_wal_hook, s);
    return 0;
}

void store_destroy(store_t **p)
{
    if (!p || !*p)
        return;
    store_t *s = *p;
    for (int i = 0; i < s->cached; i++)
        sqlite3_finalize(s->cache[i].st);
    if (s->db && sqlite3_close(s->db) != SQLITE_OK)
        log_err("store: close failed path=%s error=\"%s\"", s->path,
                sqlite3_errmsg(s->db));
    free(s->path);
    free(s);
    *p = NULL;
}

sqlite3 *store_db(store_t *s)
{
    return s->db;
}

sqlite3_stmt *store_prepare(store_t *s, const char *sql)
{
    for (int i = 0; i < s->cached; i++)
        if (s->cache[i].sql == sql) {
            if (s->cache[i].unbound) {
                s->cache[i].unbound = false;
                s->unbound--;
            }
            sqlite3_reset(s->cache[i].st);
            sqlite3_clear_bindings(s->cache[i].st);
            return s->cache[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        s_log_error(s, "prepare");
        return NULL;
    }
    if (s->cached == STORE_CACHE_MAX) {
        log_err("store: statement cache full (programmer error)");
        sqlite3_finalize(st);
        return NULL;
    }
    s->cache[s->cached].sql = sql;
    s->cache[s->cached++].st = st;
    return st;
}

/* Notes a failed bind of parameter i of st: logged here, once, and the
 * statement's next step fails. */
static void s_bind_result(store_t *s, sqlite3_stmt *st, int i, int rc)
{
    if (rc == SQLITE_OK)
        return;
    log_err("store: bind failed path=%s parameter=%d error=\"%s\" "
            "sql=\"%.60s\"",
            s->path, i, sqlite3_errstr(rc), sqlite3_sql(st));
    for (int k = 0; k < s->cached; k++)
        if (s->cache[k].st == st && !s->cache[k].unbound) {
            s->cache[k].unbound = true;
            s->unbound++;
        }
}

/* Whether a bind of st failed since it was prepared; forgets it. */
static bool s_unbound(store_t *s, sqlite3_stmt *st)
{
    for (int k = 0; s->unbound > 0 && k < s->cached; k++)
        if (s->cache[k].st == st && s->cache[k].unbound) {
            s->cache[k].unbound = false;
            s->unbound--;
            return true;
        }
    return false;
}

void store_bind_int64(store_t *s, sqlite3_stmt *st, int i, int64_t v)
{
    s_bind_result(s, st, i, sqlite3_bind_int64(st, i, v));
}

void store_bind_text(store_t *s, sqlite3_stmt *st, int i, const char *text)
{
    s_bind_result(s, st, i,
                  text ? sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC)
                       : sqlite3_bind_null(st, i));
}

void store_bind_text_free(store_t *s, sqlite3_stmt *st, int i, char *text)
{
    s_bind_result(s, st, i,
                  text ? sqlite3_bind_text(st, i, text, -1, free)
                       : sqlite3_bind_null(st, i));
}

void store_bind_blob(store_t *s, sqlite3_stmt *st, int i, const void *p,
                     int len)
{
    s_bind_result(s, st, i, sqlite3_bind_blob(st, i, p, len, SQLITE_STATIC));
}

void store_bind_null(store_t *s, sqlite3_stmt *st, int i)
{
    s_bind_result(s, st, i, sqlite3_bind_null(st, i));
}

int store_step(store_t *s, sqlite3_stmt *st)
{
    if (s_unbound(s, st)) {
        sqlite3_reset(st);
        return -1;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    s_log_error(s, "step");
    sqlite3_reset(st);
    return -1;
}

/* Runs the one-value query sql: sets *v to its value, or to fallback
 * when it is NULL or there is no row. Returns 0, or -1 on an error
 * (logged; *v is fallback). */
static int s_int64(store_t *s, const char *sql, int64_t fallback, int64_t *v)
{
    *v = fallback;
    sqlite3_stmt *st = store_prepare(s, sql);
    int rc = st ? store_step(s, st) : -1;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *v = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int64_t store_int64(store_t *s, const char *sql, int64_t fallback)
{
    int64_t v;
    s_int64(s, sql, fallback, &v);
    return v;
}

int64_t store_int64_memo(store_t *s, const char *sql, int64_t fallback)
{
    /* Outside a transaction the rows are the committed ones, and only
     * this connection writes them: until it changes a row (which
     * total_changes counts, also in triggers) the value stays. A value
     * read inside a transaction could be rolled back: not kept. */
    if (!sqlite3_get_autocommit(s->db))
        return store_int64(s, sql, fallback);
    int64_t changes = sqlite3_total_changes64(s->db);
    int slot = 0;
    for (int i = 0; i < STORE_MEMO_MAX; i++) {
        if (s->memo[i].sql == sql) {
            if (s->memo[i].changes == changes)
                return s->memo[i].value;
            slot = i;
            break;
        }
        if (!s->memo[i].sql) {
            slot = i;
            break;
        }
    }
    int64_t v;
    if (s_int64(s, sql, fallback, &v) < 0)
        return v; /* logged; not kept */
    s->memo[slot].sql = sql;
    s->memo[slot].changes = changes;
    s->memo[slot].value = v;
    return v;
}

int store_begin(store_t *s)
{
    return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(store_t *s)
{
    if (store_exec(s, "COMMIT") == 0) {
        if (s->scrub || s->scrub_due)
            s_scrub(s);
        return 0;
    }
    if (!sqlite3_get_autocommit(s->db))
        store_rollback(s);
    return -1;
}

void store_rollback(store_t *s)
{
    s->scrub = false;
    if (!sqlite3_get_autocommit(s->db))
        store_exec(s, "ROLLBACK");
}

bool store_in_transaction(store_t *s)
{
    return !sqlite3_get_autocommit(s->db);
}

int64_t store_last_id(store_t *s)
{
    return sqlite3_last_insert_rowid(s->db);
}

char *store_column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    return v ? xstrdup((const char *)v) : NULL;
}

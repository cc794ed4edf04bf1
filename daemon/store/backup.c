/*
 * backup — the online backup in a worker thread (see backup.h).
 */
#include "backup.h"

#include "log.h"
#include "ref.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_BUSY_TRIES 200 /* 50 ms apart: a reader is rarely kept waiting */
#define S_BUSY_MS 50

enum { S_IDLE, S_RUNNING, S_DONE, S_FAILED };
static const char *const s_states[] = {"idle", "running", "done", "failed"};

struct backup {
    char *db_path;            /* the database (main thread's copy) */
    pthread_t thread;         /* the worker, when joinable */
    bool joinable;
    pthread_mutex_t lock;     /* guards what follows */
    int state;
    char *dest;               /* the copy being made or last made */
    int64_t started_at;
    int64_t finished_at;
    int64_t pages;
    char *error;
    bool taken;               /* the result went to the audit trail */
};

backup_t *backup_new(const char *db_path)
{
    backup_t *b = xcalloc(1, sizeof *b);
    b->db_path = xstrdup(db_path);
    pthread_mutex_init(&b->lock, NULL);
    return b;
}

static void s_join(backup_t *b)
{
    if (b->joinable) {
        pthread_join(b->thread, NULL);
        b->joinable = false;
    }
}

void backup_destroy(backup_t **p)
{
    if (!p || !*p)
        return;
    backup_t *b = *p;
    s_join(b);
    pthread_mutex_destroy(&b->lock);
    free(b->db_path);
    free(b->dest);
    free(b->error);
    free(b);
    *p = NULL;
}

/* ------------------------------------------------------------ worker */

static int64_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copies every page in one step, waiting while the source is busy. */
static int s_copy(sqlite3 *src, sqlite3 *dst, int64_t *pages)
{
    sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
    if (!bk)
        return sqlite3_errcode(dst);
    int rc, tries = 0;
    while ((rc = sqlite3_backup_step(bk, -1)) == SQLITE_BUSY ||
           rc == SQLITE_LOCKED) {
        if (++tries > S_BUSY_TRIES)
            break;
        sqlite3_sleep(S_BUSY_MS);
    }
    *pages = sqlite3_backup_pagecount(bk);
    int fin = sqlite3_backup_finish(bk);
    return rc == SQLITE_DONE ? fin : rc;
}

/* Makes the copy one self-contained file and checks it. Returns NULL or
 * why not (static or sqlite's message, copied by the caller). */
static const char *s_check(sqlite3 *dst)
{
    sqlite3_stmt *st = NULL;
    const char *why = NULL;
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
        SQLITE_OK)
        return sqlite3_errmsg(dst);
    if (sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, NULL) !=
        SQLITE_OK)
        return sqlite3_errmsg(dst);
    if (sqlite3_step(st) != SQLITE_ROW)
        why = sqlite3_errmsg(dst);
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
        why = "the copy fails PRAGMA integrity_check";
    sqlite3_finalize(st);
    return why;
}

/* Syncs the folder of path, so the new file's name is durable too. */
static void s_sync_dir(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0)
            log_warn("backup: cannot sync the folder of path=%s", path);
        close(fd);
    }
    free(copy);
}

/* Runs the backup; returns NULL or why it failed (a new string). */
static char *s_make(const char *db_path, const char *dest, int64_t *pages)
{
    sqlite3 *src = NULL, *dst = NULL;
    char *why = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(db_path, &src, flags, NULL) != SQLITE_OK)
        why = xasprintf("cannot open the database: %s",
                        src ? sqlite3_errmsg(src) : "out of memory");
    else if (sqlite3_open_v2(dest, &dst, flags, NULL) != SQLITE_OK)
        why = xasprintf("cannot open the copy: %s",
                        dst ? sqlite3_errmsg(dst) : "out of memory");
    if (!why) {
        sqlite3_busy_timeout(src, S_BUSY_MS * S_BUSY_TRIES);
        int rc = s_copy(src, dst, pages);
        const char *bad = rc == SQLITE_OK ? s_check(dst) : NULL;
        if (rc != SQLITE_OK)
            why = xasprintf("copy failed: %s", sqlite3_errstr(rc));
        else if (bad)
            why = xstrdup(bad);
    }
    if (dst && sqlite3_close(dst) != SQLITE_OK && !why)
        why = xstrdup("cannot close the copy");
    if (src && sqlite3_close(src) != SQLITE_OK && !why)
        why = xstrdup("cannot close the database");
    return why;
}

static void *s_worker(void *arg)
{
    backup_t *b = arg;
    pthread_mutex_lock(&b->lock);
    char *dest = xstrdup(b->dest);
    pthread_mutex_unlock(&b->lock);
    int64_t t0 = s_mono_ms(), pages = 0;
    char *why = s_make(b->db_path, dest, &pages);
    if (why)
        unlink(dest);
    else
        s_sync_dir(dest);
    pthread_mutex_lock(&b->lock);
    b->state = why ? S_FAILED : S_DONE;
    b->error = why;
    b->pages = pages;
    b->finished_at = b->started_at + (s_mono_ms() - t0 + 999) / 1000;
    pthread_mutex_unlock(&b->lock);
    free(dest);
    return NULL;
}

/* ------------------------------------------------------------ main */

/* Creates dest empty, 0600, refusing an existing file. */
static int s_create(const char *dest, problem_t *pb)
{
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EEXIST)
        problem_set(pb, PROBLEM_CONFLICT, "%s exists already; a backup "
                    "never overwrites a file", dest);
    else
        problem_set(pb, PROBLEM_BAD_REQUEST, "cannot create %s: %s", dest,
                    strerror(errno));
    return -1;
}

int backup_start(backup_t *b, const char *dest, int64_t now, problem_t *pb)
{
    if (!dest || dest[0] != '/') {
        problem_set(pb, PROBLEM_BAD_REQUEST, "path must be absolute (it is "
                    "regied that writes the file)");
        return -1;
    }
    if (backup_running(b)) {
        problem_set(pb, PROBLEM_CONFLICT, "a backup is running already");
        return -1;
    }
    s_join(b);
    if (s_create(dest, pb) < 0)
        return -1;
    pthread_mutex_lock(&b->lock);
    free(b->dest);
    free(b->error);
    b->dest = xstrdup(dest);
    b->error = NULL;
    b->state = S_RUNNING;
    b->started_at = now;
    b->finished_at = 0;
    b->pages = 0;
    b->taken = false;
    pthread_mutex_unlock(&b->lock);
    int rc = pthread_create(&b->thread, NULL, s_worker, b);
    if (rc != 0) {
        unlink(dest);
        pthread_mutex_lock(&b->lock);
        b->state = S_IDLE;
        pthread_mutex_unlock(&b->lock);
        log_err("backup: cannot start a thread error=\"%s\"", strerror(rc));
        problem_store(pb);
        return -1;
    }
    b->joinable = true;
    log_notice("backup: started path=%s", dest);
    return 0;
}

bool backup_running(backup_t *b)
{
    pthread_mutex_lock(&b->lock);
    bool running = b->state == S_RUNNING;
    pthread_mutex_unlock(&b->lock);
    return running;
}

bool backup_busy(backup_t *b)
{
    pthread_mutex_lock(&b->lock);
    bool busy = b->state == S_RUNNING ||
                ((b->state == S_DONE || b->state == S_FAILED) && !b->taken);
    pthread_mutex_unlock(&b->lock);
    return busy;
}

json_t *backup_status(backup_t *b)
{
    pthread_mutex_lock(&b->lock);
    json_t *o = json_pack(
        "{s:s, s:s?, s:o, s:o, s:I, s:s?}", "state", s_states[b->state],
        "path", b->dest, "started_at",
        b->started_at ? ref_time_json(b->started_at) : json_null(),
        "finished_at",
        b->finished_at ? ref_time_json(b->finished_at) : json_null(),
        "pages", (json_int_t)b->pages, "error", b->error);
    pthread_mutex_unlock(&b->lock);
    return o;
}

bool backup_take_result(backup_t *b, backup_result_t *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_lock(&b->lock);
    bool ended = (b->state == S_DONE || b->state == S_FAILED) && !b->taken;
    if (ended) {
        b->taken = true;
        r->path = xstrdup(b->dest);
        r->ok = b->state == S_DONE;
        r->error = b->error ? xstrdup(b->error) : NULL;
        r->pages = b->pages;
    }
    pthread_mutex_unlock(&b->lock);
    if (ended)
        s_join(b);
    return ended;
}

void backup_result_clear(backup_result_t *r)
{
    free(r->path);
    free(r->error);
    memset(r, 0, sizeof *r);
}

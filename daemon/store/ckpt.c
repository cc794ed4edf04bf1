/*
 * ckpt — background WAL checkpoints (see ckpt.h).
 */
#include "ckpt.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct ckpt {
    sqlite3 *db; /* the thread's own connection */
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop, with wake */
    pthread_cond_t wake;
    bool stop;
    bool started; /* thread is running */
};

/* Waits interval_ms or until told to stop; returns whether to stop. */
static bool s_wait(ckpt_t *c)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)c->interval_ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&c->lock);
    while (!c->stop &&
           pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT)
        ;
    bool stop = c->stop;
    pthread_mutex_unlock(&c->lock);
    return stop;
}

static void *s_thread(void *arg)
{
    ckpt_t *c = arg;
    bool stop = false;
    while (!stop) {
        stop = s_wait(c);
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL,
                                           SQLITE_CHECKPOINT_PASSIVE, NULL,
                                           NULL);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log_warn("ckpt: checkpoint failed error=\"%s\"",
                     sqlite3_errmsg(c->db));
    }
    return NULL;
}

ckpt_t *ckpt_new(const char *path, int interval_ms)
{
    ckpt_t *c = xcalloc(1, sizeof *c);
    c->interval_ms = interval_ms;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(c->db, 100) != SQLITE_OK) {
        log_warn("ckpt: cannot open path=%s error=\"%s\"", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        ckpt_destroy(&c);
        return NULL;
    }
    if (pthread_create(&c->thread, NULL, s_thread, c) != 0) {
        log_warn("ckpt: cannot start the thread");
        ckpt_destroy(&c);
        return NULL;
    }
    c->started = true;
    return c;
}

void ckpt_destroy(ckpt_t **p)
{
    if (!p || !*p)
        return;
    ckpt_t *c = *p;
    if (c->started) {
        pthread_mutex_lock(&c->lock);
        c->stop = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
    }
    if (c->db)
        sqlite3_close(c->db);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c);
    *p = NULL;
}

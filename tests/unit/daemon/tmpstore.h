/*
 * tmpstore — what the daemon's unit tests share: a real SQLite database
 * (store_open, every migration) in a new temporary folder, removed with
 * everything in it afterwards. For cmocka setup and teardown functions.
 */
#ifndef REGIE_TMPSTORE_H
#define REGIE_TMPSTORE_H

#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

typedef struct {
    char dir[64];   /* the temporary folder */
    char path[96];  /* its regie.db */
    store_t *store; /* open on path */
} tmpstore_t;

/* A new database in /tmp/regie-NAME.XXXXXX; fails the test if it cannot
 * be made. */
static inline tmpstore_t *tmpstore_new(const char *name)
{
    tmpstore_t *t = calloc(1, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/regie-%s.XXXXXX", name);
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/regie.db", t->dir);
    t->store = store_open(t->path, 1000, 0);
    assert_non_null(t->store);
    return t;
}

/* Closes the database and removes its folder; sets *p to NULL. */
static inline void tmpstore_destroy(tmpstore_t **p)
{
    tmpstore_t *t = *p;
    store_destroy(&t->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    assert_int_equal(system(cmd), 0);
    free(t);
    *p = NULL;
}

#endif

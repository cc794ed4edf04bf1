/*
 * spoolrun — the loop of a spool adapter (regie-spool, regie-ijw): takes
 * each file of a spool_t in turn, has the program's reader turn it into a
 * batch, posts the batch through an adapter_t, and files it in done/ or,
 * with a report, in failed/. A temporary failure (no reply, the daemon
 * answering retry:true) leaves the file in work/ and the loop tries it
 * again after a wait that doubles from retry_ms to retry_max_ms. Between
 * files it sleeps in poll(2) on the spool's inotify descriptor, a
 * self-pipe for spoolrun_stop and the next deadline (a rescan, a retry, a
 * file settling). Borrows the spool and the adapter; one thread, except
 * spoolrun_stop.
 *
 * Test hook: when the environment variable REGIE_TEST_KILL_AFTER holds a
 * number k > 0, the process sends itself SIGKILL right after the k-th
 * acknowledged record, so tests can kill it in the middle of a file.
 */
#ifndef REGIE_SPOOLRUN_H
#define REGIE_SPOOLRUN_H

#include "adapter.h"
#include "batch.h"
#include "spool.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct spoolrun spoolrun_t;

/* Turns the file called name (len bytes at data, NUL-terminated) into
 * records of batch, or refuses it with batch_fail. Returns 0, or -1 when
 * it cannot be read now (the file stays for a later try), after logging. */
typedef int spoolrun_read_fn(void *arg, const char *name, const char *data,
                             size_t len, batch_t *batch);

typedef struct {
    const char *program;    /* e.g. "regie-spool", named in reports */
    int rescan_ms;          /* read the folder at least this often */
    int retry_ms;           /* first wait after a temporary failure */
    int retry_max_ms;       /* the wait doubles up to this */
    spoolrun_read_fn *read; /* the program's reader */
    void *arg;              /* its argument */
} spoolrun_opts_t;

/* How spoolrun_file ended. */
typedef enum {
    SPOOLRUN_FILED = 0, /* the file is in done/ or failed/ */
    SPOOLRUN_AGAIN      /* a temporary failure: it stays in work/ */
} spoolrun_result_t;

/* Makes a loop over spool posting through adapter (both borrowed; they
 * must outlive it); opts is copied (program is borrowed). */
spoolrun_t *spoolrun_new(spool_t *spool, adapter_t *adapter,
                         const spoolrun_opts_t *opts);

/* Frees the loop and sets *p to NULL; accepts NULL and *p == NULL. */
void spoolrun_destroy(spoolrun_t **p);

/* Handles files until spoolrun_stop is called (returns 0) or, with once,
 * until no file is left to take (0) or a temporary failure leaves one in
 * work/ (1). Returns -1 when it cannot wait (poll failed), after
 * logging. */
int spoolrun_run(spoolrun_t *self, bool once);

/* Handles work/name: read, post, file. Returns how it ended. */
spoolrun_result_t spoolrun_file(spoolrun_t *self, const char *name);

/* Asks the loop to stop: the wait or the request in hand ends at once
 * (its file stays in work/ for the next start). Async-signal-safe. */
void spoolrun_stop(spoolrun_t *self);

#endif

/*
 * spoolrun — the file loop of a spool adapter (see spoolrun.h). State:
 * the backoff after temporary failures, the counts shown in the systemd
 * status line, a self-pipe for spoolrun_stop, the test kill hook.
 */
#include "spoolrun.h"

#include "conn.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

struct spoolrun {
    spool_t *spool;       /* borrowed */
    adapter_t *adapter;   /* borrowed */
    spoolrun_opts_t opts; /* copied */
    int backoff_ms;       /* the next wait after a temporary failure */
    int wake[2];          /* self-pipe: spoolrun_stop writes wake[1] */
    volatile sig_atomic_t stopping;
    long kill_after;   /* test hook: SIGKILL after this many ACKs */
    long acked;        /* records acknowledged by this process */
    long files_done;   /* files filed in done/ */
    long files_failed; /* files filed in failed/ */
};

spoolrun_t *spoolrun_new(spool_t *spool, adapter_t *adapter,
                         const spoolrun_opts_t *opts)
{
    spoolrun_t *self = xcalloc(1, sizeof *self);
    self->spool = spool;
    self->adapter = adapter;
    self->opts = *opts;
    self->backoff_ms = opts->retry_ms;
    if (pipe2(self->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        log_err("spool: cannot make a pipe error=\"%s\"", strerror(errno));
        self->wake[0] = self->wake[1] = -1;
    }
    const char *k = getenv("REGIE_TEST_KILL_AFTER");
    if (k && *k) {
        self->kill_after = strtol(k, NULL, 10);
        log_warn("spool: test hook REGIE_TEST_KILL_AFTER=%ld is set",
                 self->kill_after);
    }
    return self;
}

void spoolrun_destroy(spoolrun_t **p)
{
    if (!p || !*p)
        return;
    for (int i = 0; i < 2; i++)
        if ((*p)->wake[i] >= 0)
            close((*p)->wake[i]);
    free(*p);
    *p = NULL;
}

void spoolrun_stop(spoolrun_t *self)
{
    int saved = errno;
    self->stopping = 1;
    if (self->wake[1] >= 0) {
        ssize_t w = write(self->wake[1], "x", 1);
        (void)w; /* a full pipe is awake already */
    }
    adapter_stop(self->adapter);
    errno = saved;
}

/* Logs what became of one record; runs the test kill hook. */
static void s_on_record(void *arg, const batch_t *b, const batch_record_t *rec,
                        const adapter_result_t *r)
{
    spoolrun_t *self = arg;
    const char *id = rec->external_id ? rec->external_id : "-";
    if (rec->state == BATCH_ACCEPTED || rec->state == BATCH_DUPLICATE) {
        json_t *rp = rec->reply;
        log_info("spool: posted file=%s line=%ld external_id=%s status=%s "
                 "referral=%s case=%s",
                 batch_source(b), rec->line, id,
                 rec->state == BATCH_DUPLICATE ? "duplicate" : "accepted",
                 json_string_value(json_object_get(rp, "referral")),
                 json_string_value(json_object_get(rp, "case")));
        if (self->kill_after > 0 && ++self->acked == self->kill_after) {
            log_warn("spool: test hook: SIGKILL after %ld records",
                     self->acked);
            raise(SIGKILL);
        }
    } else if (rec->state == BATCH_REFUSED) {
        log_notice("spool: refused file=%s line=%ld external_id=%s "
                   "error=%s%s%s%s",
                   batch_source(b), rec->line, id, rec->error,
                   rec->local ? " local=true" : "", rec->field ? " field=" : "",
                   rec->field ? rec->field : "");
    } else if (r) {
        log_warn("spool: temporary failure file=%s line=%ld external_id=%s "
                 "reason=\"%s\"",
                 batch_source(b), rec->line, id, r->reason ? r->reason : "-");
    }
}

/* Reads work/name into batch; AGAIN when it cannot now. */
static spoolrun_result_t s_read(spoolrun_t *self, const char *name,
                                batch_t *batch)
{
    char *data = NULL, err[512];
    size_t len = 0;
    if (spool_read(self->spool, name, &data, &len, err, sizeof err) < 0) {
        if (errno != EFBIG) {
            log_err("spool: %s", err);
            return SPOOLRUN_AGAIN;
        }
        batch_fail(batch, 0, "too_large", "%s", err);
        return SPOOLRUN_FILED;
    }
    int rc = self->opts.read(self->opts.arg, name, data, len, batch);
    free(data);
    return rc < 0 ? SPOOLRUN_AGAIN : SPOOLRUN_FILED;
}

/* Moves the posted file to done/ or failed/ and logs it. */
static spoolrun_result_t s_file(spoolrun_t *self, const char *name,
                                const batch_t *batch)
{
    char *report = batch_report(batch, self->opts.program);
    char *final = NULL;
    int rc = report ? spool_failed(self->spool, name, report, &final)
                    : spool_done(self->spool, name, &final);
    free(report);
    if (rc < 0)
        return SPOOLRUN_AGAIN;
    size_t dup = batch_tally(batch, BATCH_DUPLICATE);
    log_info("spool: %s file=%s as=%s records=%zu accepted=%zu "
             "duplicates=%zu refused=%zu%s",
             report ? "failed" : "done", name, final, batch_count(batch),
             batch_tally(batch, BATCH_ACCEPTED), dup,
             batch_tally(batch, BATCH_REFUSED),
             batch_failed(batch) ? " whole_file=refused" : "");
    free(final);
    if (report)
        self->files_failed++;
    else
        self->files_done++;
    sd_notifyf(0, "STATUS=%ld files done, %ld failed", self->files_done,
               self->files_failed);
    return SPOOLRUN_FILED;
}

spoolrun_result_t spoolrun_file(spoolrun_t *self, const char *name)
{
    batch_t *batch = batch_new(name);
    spoolrun_result_t rc = s_read(self, name, batch);
    if (rc == SPOOLRUN_FILED && batch_post(batch, self->adapter, s_on_record,
                                           self) == ADAPTER_TEMPORARY) {
        log_notice("spool: file=%s stays in work/ after a temporary "
                   "failure",
                   name);
        rc = SPOOLRUN_AGAIN;
    }
    if (rc == SPOOLRUN_FILED)
        rc = s_file(self, name, batch);
    batch_destroy(&batch);
    return rc;
}

/* Handles files until none is left (FILED) or one must wait (AGAIN). */
static spoolrun_result_t s_drain(spoolrun_t *self, int64_t *settle_ms)
{
    while (!self->stopping) {
        char *name = spool_next(self->spool, settle_ms);
        if (!name)
            return SPOOLRUN_FILED;
        spoolrun_result_t rc = spoolrun_file(self, name);
        free(name);
        if (rc == SPOOLRUN_AGAIN)
            return rc;
        self->backoff_ms = self->opts.retry_ms;
    }
    return SPOOLRUN_FILED;
}

/* Waits until deadline (conn_now_ms), a spool event or a stop. */
static int s_wait(spoolrun_t *self, int64_t deadline)
{
    struct pollfd pfd[2] = {{.fd = self->wake[0], .events = POLLIN},
                            {.fd = spool_fd(self->spool), .events = POLLIN}};
    int64_t left = deadline - conn_now_ms();
    if (left <= 0)
        return 0;
    int rc = poll(pfd, pfd[1].fd >= 0 ? 2 : 1, (int)left);
    if (rc < 0 && errno != EINTR) {
        log_err("spool: cannot wait error=\"%s\"", strerror(errno));
        return -1;
    }
    spool_drain(self->spool);
    return 0;
}

/* Schedules the next try after a temporary failure; returns when. */
static int64_t s_backoff(spoolrun_t *self)
{
    int ms = self->backoff_ms;
    log_notice("spool: next try in %d ms", ms);
    self->backoff_ms =
        ms > self->opts.retry_max_ms / 2 ? self->opts.retry_max_ms : 2 * ms;
    return conn_now_ms() + ms;
}

int spoolrun_run(spoolrun_t *self, bool once)
{
    int64_t retry_at = 0;
    while (!self->stopping) {
        int64_t now = conn_now_ms(), settle = -1;
        if (now >= retry_at) {
            if (s_drain(self, &settle) == SPOOLRUN_AGAIN) {
                if (once)
                    return 1;
                retry_at = s_backoff(self);
            } else if (once && settle < 0) {
                return 0;
            }
        }
        now = conn_now_ms();
        int64_t deadline =
            retry_at > now ? retry_at : now + self->opts.rescan_ms;
        if (settle >= 0 && now + settle < deadline)
            deadline = now + settle;
        if (s_wait(self, deadline) < 0)
            return -1;
    }
    return 0;
}

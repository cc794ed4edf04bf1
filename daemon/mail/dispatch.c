/*
 * dispatch — outbox scheduling and outcomes (see dispatch.h).
 */
#include "dispatch.h"

#include "cal.h"
#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "sender.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>

/* A notification out with the sender. */
typedef struct {
    int64_t id;      /* its row */
    int attempts;    /* attempts before this one */
    int64_t created; /* when it was queued */
} s_out_t;

struct dispatch {
    store_t *store;               /* borrowed: the outbox table */
    const cfg_t *cfg;             /* borrowed: mail settings */
    sender_t *sender;             /* the SMTP thread */
    s_out_t out[DISPATCH_WINDOW]; /* out with the sender */
    int64_t ids[DISPATCH_WINDOW]; /* their ids, for the outbox */
    int nout;                     /* how many */
    struct {
        int64_t id;
        smtp_result_t r;
    } done[DISPATCH_WINDOW]; /* outcomes read, not yet recorded (still out) */
    int ndone;               /* how many */
    int64_t done_at;         /* when the first of them came, monotonic ms */
    uint64_t handed;         /* hand-overs to the sender tried, ever */
};

dispatch_t *dispatch_new(void *zmq_ctx, store_t *store, const cfg_t *cfg)
{
    dispatch_t *d = xcalloc(1, sizeof *d);
    d->store = store;
    d->cfg = cfg;
    d->sender = sender_new(zmq_ctx);
    if (!d->sender)
        dispatch_destroy(&d);
    return d;
}

void dispatch_set_cfg(dispatch_t *d, const cfg_t *cfg)
{
    d->cfg = cfg;
}

static void s_collect(dispatch_t *d);
static void s_record_done(dispatch_t *d);

void dispatch_destroy(dispatch_t **p)
{
    if (!p || !*p)
        return;
    dispatch_t *d = *p;
    if (d->sender) {
        sender_stop(d->sender);
        s_collect(d); /* what went out before the stop */
        s_record_done(d);
        if (d->nout)
            log_notice("dispatch: stopped notifications_in_hand=%d; they "
                       "stay pending",
                       d->nout);
    }
    sender_destroy(&d->sender);
    free(d);
    *p = NULL;
}

void *dispatch_socket(dispatch_t *d)
{
    return sender_socket(d->sender);
}

int64_t dispatch_backoff(const cfg_mail_t *m, int attempts)
{
    int64_t pause = m->retry_min_s;
    for (int i = 1; i < attempts && pause < m->retry_max_s; i++)
        pause *= 2;
    return pause < m->retry_max_s ? pause : m->retry_max_s;
}

dispatch_verdict_t dispatch_verdict(const cfg_mail_t *m, const smtp_result_t *r,
                                    int attempts, int64_t created, int64_t now,
                                    int64_t *retry_at)
{
    if (r->outcome == SMTP_RESULT_SENT)
        return DISPATCH_SENT;
    if (r->requeue) {
        *retry_at = now;
        return DISPATCH_REQUEUE;
    }
    if (r->outcome == SMTP_RESULT_PERMANENT && !r->affects_all)
        return DISPATCH_FAILED;
    if (now - created >= (int64_t)m->lifetime_h * 3600)
        return DISPATCH_GIVE_UP;
    /* Temporary, or a problem of the server or the settings that every
     * mail has (certificate, password): keep it, retry. */
    *retry_at = now + dispatch_backoff(m, attempts + 1);
    return DISPATCH_RETRY;
}

int64_t dispatch_release_at(const cfg_mail_t *m, bool urgent, int64_t now)
{
    if (urgent || !cal_in_quiet(now, m->quiet_start, m->quiet_end))
        return now;
    return cal_quiet_end(now, m->quiet_start, m->quiet_end);
}

/* Marks id failed after attempts + 1 attempts within its lifetime. */
static int s_give_up(dispatch_t *d, int64_t id, const smtp_result_t *r,
                     int attempts, int64_t now)
{
    char why[SMTP_REASON_LEN + 64];
    snprintf(why, sizeof why, "gave up after %d attempts: %s", attempts + 1,
             r->reason);
    int rc = outbox_failed(d->store, id, now, why);
    log_warn("dispatch: gave up notification=%lld reason=\"%s\"", (long long)id,
             r->reason);
    return rc;
}

/* Records verdict v on outcome r of notification o, at now. Returns 0
 * or -1 (a store error). */
static int s_apply(dispatch_t *d, const s_out_t *o, const smtp_result_t *r,
                   dispatch_verdict_t v, int64_t now, int64_t at)
{
    long long id = (long long)o->id;
    switch (v) {
    case DISPATCH_SENT:
        log_info("dispatch: sent notification=%lld attempts=%d", id,
                 o->attempts + 1);
        return outbox_sent(d->store, o->id, now);
    case DISPATCH_FAILED:
        log_warn("dispatch: failed notification=%lld reason=\"%s\"", id,
                 r->reason);
        return outbox_failed(d->store, o->id, now, r->reason);
    case DISPATCH_GIVE_UP:
        return s_give_up(d, o->id, r, o->attempts, now);
    case DISPATCH_REQUEUE:
        log_info("dispatch: requeued notification=%lld reason=\"%s\"", id,
                 r->reason);
        return outbox_defer(d->store, o->id, at);
    default: /* DISPATCH_RETRY */
        log_warn("dispatch: retry notification=%lld in=%llds reason=\"%s\"", id,
                 (long long)(at - now), r->reason);
        return outbox_retry_later(d->store, o->id, now, at, r->reason);
    }
}

/* Records outcome r of notification id, out with the sender. */
static void s_record(dispatch_t *d, int64_t id, const smtp_result_t *r)
{
    int k = 0;
    while (k < d->nout && d->out[k].id != id)
        k++;
    if (k == d->nout) {
        log_err("dispatch: an outcome of notification=%lld, which is not "
                "out (programmer error)",
                (long long)id);
        return;
    }
    s_out_t o = d->out[k];
    d->out[k] = d->out[--d->nout];
    d->ids[k] = d->ids[d->nout];
    int64_t now = clock_now(), at = 0;
    dispatch_verdict_t v =
        dispatch_verdict(&d->cfg->mail, r, o.attempts, o.created, now, &at);
    if (s_apply(d, &o, r, v, now, at) < 0)
        log_err("dispatch: outcome not recorded notification=%lld; it "
                "stays pending",
                (long long)id);
}

/* Reads the outcomes waiting; they stay out until recorded. */
static void s_collect(dispatch_t *d)
{
    while (d->ndone < DISPATCH_WINDOW &&
           sender_outcome(d->sender, &d->done[d->ndone].id,
                          &d->done[d->ndone].r) == 0)
        if (d->ndone++ == 0)
            d->done_at = clock_mono_ms();
}

/* Records the outcomes read, in one transaction when one can be begun
 * (one commit, so one sync, for many mails). */
static void s_record_done(dispatch_t *d)
{
    if (d->ndone == 0)
        return;
    bool tx = store_begin(d->store) == 0;
    for (int i = 0; i < d->ndone; i++)
        s_record(d, d->done[i].id, &d->done[i].r);
    d->ndone = 0;
    if (tx)
        store_commit(d->store);
}

/* Whether the outcomes read are to be recorded now: enough of them for
 * one commit, none other to come (the sender has no mail left in hand),
 * or the first waited DISPATCH_RECORD_MS. */
static bool s_record_due(const dispatch_t *d)
{
    return d->ndone > 0 &&
           (d->ndone >= DISPATCH_RECORD_N || d->ndone == d->nout ||
            clock_mono_ms() - d->done_at >= DISPATCH_RECORD_MS);
}

void dispatch_on_outcome(dispatch_t *d)
{
    s_collect(d);
    if (s_record_due(d))
        s_record_done(d);
    dispatch_kick(d);
}

/* Hands row, released now, to the sender. Returns 0, or -1 (deferred). */
static int s_hand(dispatch_t *d, const outbox_row_t *row, int64_t now)
{
    const cfg_mail_t *m = &d->cfg->mail;
    d->handed++; /* counted tried: the socket is used either way */
    if (sender_submit(d->sender, row, m, now) < 0) {
        outbox_defer(d->store, row->id, now + m->retry_min_s); /* no spin */
        return -1;
    }
    d->out[d->nout] = (s_out_t){row->id, row->attempts, row->created_at};
    d->ids[d->nout++] = row->id;
    return 0;
}

void dispatch_kick(dispatch_t *d)
{
    const cfg_mail_t *m = &d->cfg->mail;
    if (s_record_due(d))
        s_record_done(d);
    if (!m->enabled)
        return;
    int64_t now = clock_now();
    outbox_row_t row;
    while (d->nout < DISPATCH_WINDOW &&
           outbox_take_due(d->store, now, d->ids, d->nout, &row) == 1) {
        int64_t at = dispatch_release_at(m, row.urgent, now);
        int rc = 0;
        if (at != now) {
            outbox_defer(d->store, row.id, at);
            log_debug("dispatch: held notification=%lld until=%lld",
                      (long long)row.id, (long long)at);
        } else {
            rc = s_hand(d, &row, now);
        }
        outbox_row_clear(&row);
        if (rc < 0)
            return;
    }
}

/* The time until the outcomes read are recorded, or -1 when none are. */
static long s_record_timeout_ms(const dispatch_t *d)
{
    if (d->ndone == 0)
        return -1;
    int64_t ms = d->done_at + DISPATCH_RECORD_MS - clock_mono_ms();
    return ms < 0 ? 0 : (long)ms;
}

long dispatch_timeout_ms(dispatch_t *d)
{
    long rec = s_record_timeout_ms(d);
    if (!d->cfg->mail.enabled || d->nout >= DISPATCH_WINDOW)
        return rec;
    int64_t due = outbox_next_due(d->store, d->ids, d->nout);
    if (due < 0)
        return rec;
    int64_t ms = due * 1000 - clock_now_ms();
    long next = ms < 0 ? 0 : ms > 3600 * 1000 ? 3600 * 1000 : (long)ms;
    return rec >= 0 && rec < next ? rec : next;
}

uint64_t dispatch_handed(const dispatch_t *d)
{
    return d->handed;
}

int dispatch_out(const dispatch_t *d)
{
    return d->nout;
}

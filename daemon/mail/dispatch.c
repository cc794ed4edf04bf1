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

struct dispatch {
    store_t *store;      /* borrowed: the outbox table */
    const cfg_t *cfg;    /* borrowed: mail settings */
    sender_t *sender;    /* the SMTP thread */
    int out_attempts;    /* attempts before the one out with the sender */
    int64_t out_created; /* when the one out was queued */
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

void dispatch_destroy(dispatch_t **p)
{
    if (!p || !*p)
        return;
    sender_destroy(&(*p)->sender);
    free(*p);
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

static void s_record(dispatch_t *d, int64_t id, const smtp_result_t *r,
                     int attempts, int64_t created)
{
    int64_t now = clock_now(), at = 0;
    int rc;
    switch (dispatch_verdict(&d->cfg->mail, r, attempts, created, now, &at)) {
    case DISPATCH_SENT:
        rc = outbox_sent(d->store, id, now);
        log_info("dispatch: sent notification=%lld attempts=%d", (long long)id,
                 attempts + 1);
        break;
    case DISPATCH_FAILED:
        rc = outbox_failed(d->store, id, now, r->reason);
        log_warn("dispatch: failed notification=%lld reason=\"%s\"",
                 (long long)id, r->reason);
        break;
    case DISPATCH_GIVE_UP:
        rc = s_give_up(d, id, r, attempts, now);
        break;
    default: /* DISPATCH_RETRY */
        rc = outbox_retry_later(d->store, id, now, at, r->reason);
        log_warn("dispatch: retry notification=%lld in=%llds "
                 "reason=\"%s\"",
                 (long long)id, (long long)(at - now), r->reason);
    }
    if (rc < 0)
        log_err("dispatch: outcome not recorded notification=%lld; it "
                "stays pending",
                (long long)id);
}

void dispatch_on_outcome(dispatch_t *d)
{
    int64_t id;
    smtp_result_t r;
    while (sender_outcome(d->sender, &id, &r) == 0)
        s_record(d, id, &r, d->out_attempts, d->out_created);
    dispatch_kick(d);
}

void dispatch_kick(dispatch_t *d)
{
    const cfg_mail_t *m = &d->cfg->mail;
    if (!m->enabled || sender_busy(d->sender))
        return;
    int64_t now = clock_now();
    outbox_row_t row;
    while (outbox_take_due(d->store, now, &row) == 1) {
        int64_t at = dispatch_release_at(m, row.urgent, now);
        if (at != now) {
            outbox_defer(d->store, row.id, at);
            log_debug("dispatch: held notification=%lld until=%lld",
                      (long long)row.id, (long long)at);
            outbox_row_clear(&row);
            continue;
        }
        d->out_attempts = row.attempts;
        d->out_created = row.created_at;
        int rc = sender_submit(d->sender, &row, m, now);
        if (rc < 0) /* try again later rather than spin */
            outbox_defer(d->store, row.id, now + m->retry_min_s);
        outbox_row_clear(&row);
        return;
    }
}

long dispatch_timeout_ms(dispatch_t *d)
{
    if (!d->cfg->mail.enabled || sender_busy(d->sender))
        return -1;
    int64_t due = outbox_next_due(d->store);
    if (due < 0)
        return -1;
    int64_t ms = due * 1000 - clock_now_ms();
    if (ms < 0)
        return 0;
    return ms > 3600 * 1000 ? 3600 * 1000 : (long)ms;
}

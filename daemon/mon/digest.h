/*
 * digest — the weekly digest for the gemeente (DESIGN "Monitoring"), in
 * Dutch: a mail of two alternatives made from the same facts, the plain
 * text of the template digest.txt (complete on its own, for mail clients
 * without HTML) and the HTML of the template digest.html with a chart
 * (chartpng) shown inline. Both hold the agreements overdue by owner
 * (days late, escalation level, the reasons given in not_delivered
 * reports and extensions), each partner's periodic reports missed in a
 * row and its counts that did not reconcile, the cases without regisseur
 * and how long they have waited, the week's figures (digestsec), the
 * agreements late longest (digestlate), and per week for the last 12
 * weeks the referrals received and the agreements not kept by owner
 * (chart). They hold references, names of organisations and
 * professionals, dates and the reasons professionals gave; never a BSN,
 * a note, a category or any circumstance of a person (an agreement's
 * description is left out: it is free text). Queued in the outbox to the
 * gemeente under the key digest/YYYY-Www (the ISO week of the digest's
 * time), rendered parts and picture stored with it, so it goes out at
 * most once a week, the same on every attempt, restarts or not. Main
 * thread only.
 */
#ifndef REGIE_DIGEST_H
#define REGIE_DIGEST_H

#include "config/cfg.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_TEMPLATE "digest.txt"
#define DIGEST_HTML_TEMPLATE "digest.html"
#define DIGEST_KEY_MAX 32

typedef struct digest digest_t;

/* A rendered digest; owned, free with digest_mail_clear. */
typedef struct {
    char *subject, *body; /* the text template's */
    char *html;           /* the HTML template's; NULL when the chart
                             could not be drawn (logged): text only */
    unsigned char *png;   /* the chart (NULL with html) */
    size_t png_len;
    json_t *chart; /* chart_data: the numbers drawn */
} digest_mail_t;

/* Loads and checks the templates when cfg has a mail group (without one
 * there is no digest, and the digest does nothing). Returns a digest, or
 * NULL after writing "path:line: message" to stderr (a configuration
 * error). cfg is borrowed until digest_destroy. */
digest_t *digest_new(const cfg_t *cfg);

/* Frees; sets *p to NULL; accepts NULL. */
void digest_destroy(digest_t **p);

/* Whether there is a digest (mail configured, a digest day set). */
bool digest_enabled(const digest_t *d);

/* The next digest time after now: cfg's digest_weekday at digest_minute,
 * local time (daylight saving understood); -1 when there is no digest
 * day ("digest = \"\""). */
int64_t digest_next_at(const cfg_t *cfg, int64_t now);

/* The outbox key of a digest made at now: "digest/2026-W47". */
char *digest_key(int64_t now, char *buf, size_t len);

/* Whether any digest was ever queued (1), not (0), or -1 on a store
 * error: a regied that sent digests before catches up with one it
 * missed while it was down; a new installation does not. */
int digest_queued_before(store_t *s);

/* Renders the digest as of now into out; the HTML shows the chart as
 * <img src="chart_src"> ("cid:..." in a mail, "chart.png" beside a
 * preview). Returns 0, or -1 when it cannot (no template: mail is off;
 * or a store error, logged), out empty then. */
int digest_render(digest_t *d, store_t *s, int64_t now, const char *chart_src,
                  digest_mail_t *out);

/* Frees what a rendered digest holds; accepts an empty one. */
void digest_mail_clear(digest_mail_t *m);

/* Queues the digest of now's ISO week for the gemeente, unless it was
 * queued already, and appends the event digest.sent by actor. In the
 * caller's write transaction when one is open, else in its own. Returns
 * 1 when queued, 0 when it was queued before (or there is no digest),
 * -1 on a store error (logged). */
int digest_queue(digest_t *d, store_t *s, int64_t now, const char *actor);

#endif

/*
 * tally — fixed arrays, no allocation per event: reasons and sources past
 * their limits are counted under "other".
 */
#include "tally.h"

#include "log.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[32];
    int64_t total;    /* since start */
    int64_t pending;  /* in this interval, not yet logged */
    bool logged;      /* its first of this interval was logged */
} s_reason_t;

typedef struct {
    char addr[48];
    int64_t n;
} s_source_t;

struct tally {
    char module[32];
    int64_t interval_ms;
    int64_t started_ms;   /* when this interval began; 0: none open */
    s_reason_t reasons[TALLY_REASONS];
    size_t reasons_n;
    s_source_t sources[TALLY_SOURCES];
    size_t sources_n;
    int64_t other_sources; /* events from sources past the limit */
};

tally_t *tally_new(const char *module, int64_t interval_ms)
{
    tally_t *t = xcalloc(1, sizeof *t);
    snprintf(t->module, sizeof t->module, "%s", module);
    t->interval_ms = interval_ms;
    return t;
}

void tally_destroy(tally_t **p)
{
    if (!p || !*p)
        return;
    free(*p);
    *p = NULL;
}

static s_reason_t *s_reason(tally_t *t, const char *name)
{
    for (size_t i = 0; i < t->reasons_n; i++)
        if (strcmp(t->reasons[i].name, name) == 0)
            return &t->reasons[i];
    size_t i = t->reasons_n < TALLY_REASONS ? t->reasons_n++
                                            : TALLY_REASONS - 1;
    if (i == TALLY_REASONS - 1 && t->reasons[i].name[0])
        return &t->reasons[i]; /* full: the last one takes the rest */
    snprintf(t->reasons[i].name, sizeof t->reasons[i].name, "%s", name);
    return &t->reasons[i];
}

static void s_source(tally_t *t, const char *addr)
{
    for (size_t i = 0; i < t->sources_n; i++)
        if (strcmp(t->sources[i].addr, addr) == 0) {
            t->sources[i].n++;
            return;
        }
    if (t->sources_n == TALLY_SOURCES) {
        t->other_sources++;
        return;
    }
    s_source_t *s = &t->sources[t->sources_n++];
    snprintf(s->addr, sizeof s->addr, "%s", addr);
    s->n = 1;
}

void tally_add(tally_t *t, const char *reason, const char *source,
               const char *detail, int64_t now_ms)
{
    if (!t->started_ms)
        t->started_ms = now_ms ? now_ms : 1;
    s_reason_t *r = s_reason(t, reason);
    r->total++;
    s_source(t, source ? source : "?");
    if (r->logged) {
        r->pending++;
        return;
    }
    r->logged = true;
    log_warn("%s: refused reason=%s address=%s%s%s (more in this minute "
             "are summed up)",
             t->module, r->name, source ? source : "?", detail ? " " : "",
             detail ? detail : "");
}

/* The busiest sources of the interval, as "a:n,b:n,c:n" in buf. */
static void s_top(tally_t *t, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int k = 0; k < 3; k++) {
        size_t best = t->sources_n;
        for (size_t i = 0; i < t->sources_n; i++)
            if (t->sources[i].n > 0 &&
                (best == t->sources_n || t->sources[i].n > t->sources[best].n))
                best = i;
        if (best == t->sources_n)
            break;
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, "%s%s:%lld", k ? "," : "",
                 t->sources[best].addr, (long long)t->sources[best].n);
        t->sources[best].n = -t->sources[best].n; /* taken */
    }
}

int64_t tally_flush(tally_t *t, int64_t now_ms)
{
    if (!t->started_ms)
        return -1;
    int64_t due = t->started_ms + t->interval_ms;
    if (now_ms < due)
        return due - now_ms;
    char reasons[256] = "", top[200];
    int64_t sum = 0;
    for (size_t i = 0; i < t->reasons_n; i++) {
        s_reason_t *r = &t->reasons[i];
        if (r->pending) {
            size_t at = strlen(reasons);
            snprintf(reasons + at, sizeof reasons - at, "%s%s:%lld",
                     sum ? "," : "", r->name, (long long)r->pending);
        }
        sum += r->pending;
        r->pending = 0;
        r->logged = false;
    }
    if (sum > 0) {
        s_top(t, top, sizeof top);
        log_warn("%s: refused more count=%lld reasons=%s sources=%zu%s "
                 "top=%s seconds=%lld",
                 t->module, (long long)sum, reasons, t->sources_n,
                 t->other_sources ? "+" : "", top,
                 (long long)(t->interval_ms / 1000));
    }
    t->sources_n = 0;
    t->other_sources = 0;
    t->started_ms = 0;
    return -1;
}

int64_t tally_total(const tally_t *t, const char *reason)
{
    for (size_t i = 0; i < t->reasons_n; i++)
        if (strcmp(t->reasons[i].name, reason) == 0)
            return t->reasons[i].total;
    return 0;
}

const char *tally_reason(const tally_t *t, size_t i)
{
    return i < t->reasons_n ? t->reasons[i].name : NULL;
}

void tally_totals(const tally_t *t, tally_totals_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->reasons_n && i < TALLY_REASONS; i++) {
        snprintf(out->reason[i], sizeof out->reason[i], "%s",
                 t->reasons[i].name);
        out->total[i] = t->reasons[i].total;
    }
    out->n = t->reasons_n < TALLY_REASONS ? t->reasons_n : TALLY_REASONS;
}

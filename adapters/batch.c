/*
 * batch — one file's records, posted in order (see batch.h). The records
 * live in a growing array; the problems of a failed batch in another.
 */
#include "batch.h"

#include "xmem.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A problem that refuses the whole file. */
typedef struct {
    long line;
    char *error;
    char *message;
} s_problem_t;

struct batch {
    char *source;            /* the file's name, for the report */
    batch_record_t *records; /* in file order */
    size_t n, cap;
    size_t next;           /* the first record not yet handled */
    s_problem_t *problems; /* why the file is refused as a whole */
    size_t nproblems;
};

static char *s_vfmt(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
static char *s_vfmt(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    return s;
}

/* Makes text fit on one line of the report: control characters (a line
 * break in a message) become spaces. Returns text. */
static char *s_one_line(char *text)
{
    for (unsigned char *c = (unsigned char *)text; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            *c = ' ';
    return text;
}

batch_t *batch_new(const char *source)
{
    batch_t *self = xcalloc(1, sizeof *self);
    self->source = xstrdup(source);
    return self;
}

void batch_destroy(batch_t **p)
{
    if (!p || !*p)
        return;
    batch_t *self = *p;
    for (size_t i = 0; i < self->n; i++) {
        batch_record_t *r = &self->records[i];
        free(r->external_id);
        json_decref(r->body);
        free(r->error);
        free(r->message);
        free(r->field);
        json_decref(r->reply);
    }
    for (size_t i = 0; i < self->nproblems; i++) {
        free(self->problems[i].error);
        free(self->problems[i].message);
    }
    free(self->problems);
    free(self->records);
    free(self->source);
    free(self);
    *p = NULL;
}

const char *batch_source(const batch_t *self)
{
    return self->source;
}

/* Appends a zeroed record at line. */
static batch_record_t *s_push(batch_t *self, long line)
{
    if (self->n == self->cap) {
        self->cap = self->cap ? 2 * self->cap : 16;
        self->records =
            xrealloc(self->records, self->cap * sizeof *self->records);
    }
    batch_record_t *r = &self->records[self->n++];
    memset(r, 0, sizeof *r);
    r->line = line;
    return r;
}

void batch_add(batch_t *self, long line, json_t *body)
{
    assert(json_is_object(body));
    batch_record_t *r = s_push(self, line);
    r->body = json_incref(body);
    const char *id = json_string_value(json_object_get(body, "external_id"));
    r->external_id = id ? xstrdup(id) : NULL;
}

void batch_refuse(batch_t *self, long line, const char *external_id,
                  const char *error, const char *field, const char *fmt, ...)
{
    batch_record_t *r = s_push(self, line);
    r->external_id = external_id ? xstrdup(external_id) : NULL;
    r->state = BATCH_REFUSED;
    r->local = true;
    r->error = xstrdup(error);
    r->field = field ? xstrdup(field) : NULL;
    va_list ap;
    va_start(ap, fmt);
    r->message = s_one_line(s_vfmt(fmt, ap));
    va_end(ap);
}

void batch_fail(batch_t *self, long line, const char *error, const char *fmt,
                ...)
{
    self->problems = xrealloc(self->problems,
                              (self->nproblems + 1) * sizeof *self->problems);
    s_problem_t *p = &self->problems[self->nproblems++];
    p->line = line;
    p->error = xstrdup(error);
    va_list ap;
    va_start(ap, fmt);
    p->message = s_one_line(s_vfmt(fmt, ap));
    va_end(ap);
}

bool batch_failed(const batch_t *self)
{
    return self->nproblems > 0;
}

size_t batch_count(const batch_t *self)
{
    return self->n;
}

const batch_record_t *batch_record(const batch_t *self, size_t i)
{
    assert(i < self->n);
    return &self->records[i];
}

size_t batch_tally(const batch_t *self, batch_state_t state)
{
    size_t k = 0;
    for (size_t i = 0; i < self->n; i++)
        k += self->records[i].state == state;
    return k;
}

/* Takes the outcome of a send into record rec. */
static void s_settle(batch_record_t *rec, const adapter_result_t *r)
{
    json_decref(rec->reply);
    rec->reply = r->reply ? json_incref(r->reply) : NULL;
    if (r->status == ADAPTER_ACK) {
        const char *st = json_string_value(json_object_get(r->reply, "status"));
        rec->state = st && strcmp(st, "duplicate") == 0 ? BATCH_DUPLICATE
                                                        : BATCH_ACCEPTED;
    } else if (r->status == ADAPTER_REFUSED) {
        rec->state = BATCH_REFUSED;
        rec->local = r->local;
        rec->error = xstrdup(r->error ? r->error : "refused");
        rec->message = s_one_line(xstrdup(r->message  ? r->message
                                          : r->reason ? r->reason
                                                      : "refused"));
        rec->field = r->field ? xstrdup(r->field) : NULL;
    }
}

adapter_status_t batch_post(batch_t *self, adapter_t *adapter,
                            batch_hook_fn *hook, void *arg)
{
    if (batch_failed(self))
        return ADAPTER_ACK;
    for (; self->next < self->n; self->next++) {
        batch_record_t *rec = &self->records[self->next];
        if (rec->state != BATCH_PENDING) {
            if (hook)
                hook(arg, self, rec, NULL);
            continue;
        }
        char *text = json_dumps(rec->body, JSON_COMPACT);
        assert(text); /* an object of valid strings always dumps */
        adapter_result_t r;
        adapter_send(adapter, "REFERRAL", text, strlen(text), &r);
        free(text);
        s_settle(rec, &r);
        if (hook)
            hook(arg, self, rec, &r);
        adapter_status_t st = r.status;
        adapter_result_clear(&r);
        if (st == ADAPTER_TEMPORARY)
            return ADAPTER_TEMPORARY;
    }
    return ADAPTER_ACK;
}

/* A growing text. */
typedef struct {
    char *s;
    size_t len, cap;
} s_text_t;

/* Appends a formatted line (a newline is added) to t. */
__attribute__((format(printf, 2, 3))) static void s_line(s_text_t *t,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *one = s_vfmt(fmt, ap);
    va_end(ap);
    size_t n = strlen(one);
    if (t->len + n + 2 > t->cap) {
        t->cap = 2 * (t->len + n + 2);
        t->s = xrealloc(t->s, t->cap);
    }
    memcpy(t->s + t->len, one, n);
    t->len += n;
    t->s[t->len++] = '\n';
    t->s[t->len] = '\0';
    free(one);
}

/* "source:line" or "source" when there is no line. */
static char *s_where(const batch_t *self, long line)
{
    return line > 0 ? xasprintf("%s:%ld", self->source, line)
                    : xstrdup(self->source);
}

static void s_report_failed(const batch_t *self, const char *program,
                            s_text_t *out)
{
    s_line(out,
           "# %s: %s was refused as a whole; nothing in it was "
           "posted.",
           program, self->source);
    s_line(out, "# Fix the file and put it in the folder again.");
    for (size_t i = 0; i < self->nproblems; i++) {
        const s_problem_t *p = &self->problems[i];
        char *where = s_where(self, p->line);
        s_line(out, "%s: %s: %s", where, p->error, p->message);
        free(where);
    }
}

/* " (field F, external_id X)", or less, or "". */
static char *s_extra(const batch_record_t *r)
{
    if (r->field && r->external_id)
        return xasprintf(" (field %s, external_id %s)", r->field,
                         r->external_id);
    if (r->field)
        return xasprintf(" (field %s)", r->field);
    if (r->external_id)
        return xasprintf(" (external_id %s)", r->external_id);
    return xstrdup("");
}

static void s_report_records(const batch_t *self, const char *program,
                             s_text_t *out)
{
    size_t refused = batch_tally(self, BATCH_REFUSED);
    size_t dup = batch_tally(self, BATCH_DUPLICATE);
    size_t ok = batch_tally(self, BATCH_ACCEPTED) + dup;
    s_line(out,
           "# %s: %s: %zu of %zu record%s refused; %zu accepted "
           "(%zu of them before, as duplicates).",
           program, self->source, refused, self->n, self->n == 1 ? "" : "s", ok,
           dup);
    s_line(out, "# Fix the records below and put the file in the folder "
                "again: the accepted");
    s_line(out, "# records then come back as duplicates, never as a "
                "second referral.");
    for (size_t i = 0; i < self->n; i++) {
        const batch_record_t *r = &self->records[i];
        if (r->state != BATCH_REFUSED)
            continue;
        char *where = s_where(self, r->line);
        char *extra = s_extra(r);
        s_line(out, "%s: %s: %s%s", where, r->error, r->message, extra);
        free(extra);
        free(where);
    }
}

char *batch_report(const batch_t *self, const char *program)
{
    s_text_t out = {0};
    if (batch_failed(self))
        s_report_failed(self, program, &out);
    else if (batch_tally(self, BATCH_REFUSED) > 0)
        s_report_records(self, program, &out);
    return out.s;
}

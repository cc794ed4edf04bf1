/*
 * csv — a CSV reader (see csv.h): one pass over the borrowed text, one
 * field at a time into a growing buffer, counting lines as it goes.
 */
#include "csv.h"

#include "xmem.h"

#include <assert.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csv {
    const char *data; /* the text, borrowed */
    size_t len;       /* its bytes */
    size_t pos;       /* the next byte to read */
    long line;        /* the line pos is on, from 1 */
    char delim;       /* the field delimiter */
};

/* A field being read. */
typedef struct {
    char *buf;
    size_t len, cap;
} s_buf_t;

/* How a field ended. */
enum { S_FIELD, S_ROW, S_BROKEN };

csv_t *csv_new(const char *data, size_t len, char delimiter)
{
    assert(delimiter != '"' && delimiter != '\r' && delimiter != '\n');
    csv_t *self = xcalloc(1, sizeof *self);
    self->data = data;
    self->len = len;
    self->line = 1;
    self->delim = delimiter;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        self->pos = 3;
    return self;
}

void csv_destroy(csv_t **p)
{
    if (!p || !*p)
        return;
    free(*p);
    *p = NULL;
}

static void s_put(s_buf_t *b, char c)
{
    if (b->len + 1 >= b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->buf = xrealloc(b->buf, b->cap);
    }
    b->buf[b->len++] = c;
    b->buf[b->len] = '\0';
}

/* Whether a line ends at pos (LF or CRLF); *n gets its bytes. */
static bool s_eol(const csv_t *self, size_t pos, size_t *n)
{
    if (pos < self->len && self->data[pos] == '\n') {
        *n = 1;
        return true;
    }
    if (pos + 1 < self->len && self->data[pos] == '\r' &&
        self->data[pos + 1] == '\n') {
        *n = 2;
        return true;
    }
    if (pos + 1 == self->len && self->data[pos] == '\r') {
        *n = 1; /* a CR at the very end */
        return true;
    }
    return false;
}

/* After a broken field: skips to the start of the next line. */
static void s_skip_line(csv_t *self)
{
    size_t n;
    while (self->pos < self->len && !s_eol(self, self->pos, &n))
        self->pos++;
    if (self->pos < self->len) {
        self->pos += n;
        self->line++;
    }
}

/* Ends a field at pos: a delimiter, a line end, or the end of the text. */
static int s_end_field(csv_t *self)
{
    size_t n;
    if (self->pos >= self->len)
        return S_ROW;
    if (self->data[self->pos] == self->delim) {
        self->pos++;
        return S_FIELD;
    }
    if (s_eol(self, self->pos, &n)) {
        self->pos += n;
        self->line++;
        return S_ROW;
    }
    return -1;
}

/* Reads a quoted field, pos just after the opening quote. */
static int s_quoted(csv_t *self, s_buf_t *b, csv_row_t *row)
{
    long start = self->line;
    while (self->pos < self->len) {
        char c = self->data[self->pos++];
        if (c == '\0') {
            snprintf(row->error, sizeof row->error, "line %ld: a NUL byte",
                     self->line);
            s_skip_line(self);
            return S_BROKEN;
        }
        if (c == '\r' && self->pos < self->len && self->data[self->pos] == '\n')
            continue; /* a CRLF inside a field becomes LF */
        if (c == '\n')
            self->line++;
        if (c != '"') {
            s_put(b, c);
            continue;
        }
        if (self->pos < self->len && self->data[self->pos] == '"') {
            s_put(b, '"');
            self->pos++;
            continue;
        }
        int how = s_end_field(self);
        if (how >= 0)
            return how;
        snprintf(row->error, sizeof row->error,
                 "line %ld: text after the "
                 "closing quote of a field",
                 self->line);
        s_skip_line(self);
        return S_BROKEN;
    }
    snprintf(row->error, sizeof row->error,
             "a quoted field that starts on "
             "line %ld is not closed",
             start);
    return S_BROKEN;
}

/* Reads one field into b (emptied first). */
static int s_field(csv_t *self, s_buf_t *b, csv_row_t *row)
{
    if (!b->buf) {
        b->cap = 64;
        b->buf = xmalloc(b->cap);
    }
    b->len = 0;
    b->buf[0] = '\0';
    if (self->pos < self->len && self->data[self->pos] == '"') {
        self->pos++;
        return s_quoted(self, b, row);
    }
    for (;;) {
        int how = s_end_field(self);
        if (how >= 0)
            return how;
        char c = self->data[self->pos++];
        if (c == '\0') {
            snprintf(row->error, sizeof row->error, "line %ld: a NUL byte",
                     self->line);
            s_skip_line(self);
            return S_BROKEN;
        }
        s_put(b, c); /* a quote inside an unquoted field is kept */
    }
}

/* Skips empty lines; returns whether a row follows. */
static bool s_skip_empty(csv_t *self)
{
    size_t n;
    while (self->pos < self->len && s_eol(self, self->pos, &n)) {
        self->pos += n;
        self->line++;
    }
    return self->pos < self->len;
}

int csv_next(csv_t *self, csv_row_t *row)
{
    memset(row, 0, sizeof *row);
    if (!s_skip_empty(self))
        return 0;
    row->line = self->line;
    size_t cap = 0;
    s_buf_t b = {0};
    int how;
    do {
        how = s_field(self, &b, row);
        if (how == S_BROKEN)
            break;
        if (row->n == cap) {
            cap = cap ? 2 * cap : 16;
            row->fields = xrealloc(row->fields, cap * sizeof *row->fields);
        }
        row->fields[row->n++] = xstrndup(b.buf, b.len);
    } while (how == S_FIELD);
    if (b.buf)
        sodium_memzero(b.buf, b.cap); /* a field may be a secret */
    free(b.buf);
    if (how == S_BROKEN) {
        for (size_t i = 0; i < row->n; i++)
            free(row->fields[i]);
        free(row->fields);
        row->fields = NULL;
        row->n = 0;
    }
    return 1;
}

void csv_row_clear(csv_row_t *row)
{
    for (size_t i = 0; i < row->n; i++)
        free(row->fields[i]);
    free(row->fields);
    memset(row, 0, sizeof *row);
}

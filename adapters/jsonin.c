/*
 * jsonin — JSON records one after another in a buffer (see jsonin.h).
 * jansson decodes one object at a time (JSON_DISABLE_EOF_CHECK) and says
 * how many bytes it used; this module keeps the position, the line count
 * and the start of the current line, to number records as an editor does.
 */
#include "jsonin.h"

#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct jsonin {
    char *name;        /* the input's name, for messages */
    char *data;        /* all of the input */
    size_t len;        /* bytes in data */
    size_t pos;        /* the next byte to read */
    int line;          /* the line pos is on, from 1 */
    size_t line_start; /* the offset of that line's first byte */
};

jsonin_t *jsonin_new(const char *name, const char *data, size_t len)
{
    jsonin_t *self = xcalloc(1, sizeof *self);
    self->name = xstrdup(name);
    self->data = xmalloc(len + 1);
    memcpy(self->data, data, len);
    self->data[len] = '\0';
    self->len = len;
    self->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        self->pos = self->line_start = 3;
    return self;
}

/* Reads all of fd into a new buffer; -1 with errno set. */
static int s_slurp(int fd, char **out, size_t *outlen)
{
    size_t cap = 65536, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > JSONIN_MAX_INPUT) {
                free(buf);
                errno = EFBIG;
                return -1;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            int saved = errno;
            free(buf);
            errno = saved;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

jsonin_t *jsonin_open(const char *path, char *err, size_t errlen)
{
    bool std = strcmp(path, "-") == 0;
    const char *name = std ? "stdin" : path;
    int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", name, strerror(errno));
        return NULL;
    }
    char *data = NULL;
    size_t len = 0;
    int rc = s_slurp(fd, &data, &len);
    int saved = errno;
    if (!std)
        close(fd);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read %s: %s", name,
                 saved == EFBIG ? "larger than 256 MiB" : strerror(saved));
        errno = saved;
        return NULL;
    }
    jsonin_t *self = jsonin_new(name, data, len);
    free(data);
    return self;
}

void jsonin_destroy(jsonin_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->name);
    free((*p)->data);
    free(*p);
    *p = NULL;
}

const char *jsonin_name(const jsonin_t *self)
{
    return self->name;
}

/* Moves pos to to, counting the lines passed. */
static void s_advance(jsonin_t *self, size_t to)
{
    for (; self->pos < to; self->pos++)
        if (self->data[self->pos] == '\n') {
            self->line++;
            self->line_start = self->pos + 1;
        }
}

/* Skips blank space. */
static void s_skip_space(jsonin_t *self)
{
    size_t p = self->pos;
    while (p < self->len && (self->data[p] == ' ' || self->data[p] == '\t' ||
                             self->data[p] == '\r' || self->data[p] == '\n'))
        p++;
    s_advance(self, p);
}

/* After a record that is not JSON: goes on at the next line that starts
 * with "{", or at the end. */
static void s_resync(jsonin_t *self)
{
    const char *start = self->data + self->pos + 1;
    const char *next = NULL;
    if (self->pos + 1 < self->len)
        next = memmem(start, self->len - self->pos - 1, "\n{", 2);
    s_advance(self, next ? (size_t)(next - self->data) + 1 : self->len);
}

/* Describes a decoding error; jansson counts from where it started. */
static void s_describe(const jsonin_t *self, const json_error_t *e,
                       jsonin_record_t *rec)
{
    int line = self->line + (e->line > 0 ? e->line - 1 : 0);
    int column = e->column;
    if (e->line <= 1)
        column += (int)(self->pos - self->line_start);
    snprintf(rec->error, sizeof rec->error, "line %d, column %d: %s", line,
             column, e->text);
}

int jsonin_next(jsonin_t *self, jsonin_record_t *rec)
{
    memset(rec, 0, sizeof *rec);
    s_skip_space(self);
    if (self->pos >= self->len)
        return 0;
    rec->line = self->line;
    json_error_t e;
    json_t *v = json_loadb(self->data + self->pos, self->len - self->pos,
                           JSONIN_FLAGS, &e);
    if (!v) {
        s_describe(self, &e, rec);
        s_resync(self);
        return 1;
    }
    size_t used = (size_t)e.position;
    if (!json_is_object(v)) {
        snprintf(rec->error, sizeof rec->error,
                 "line %d: a JSON array, not an object", rec->line);
        json_decref(v);
    } else {
        rec->value = v;
        rec->text = xstrndup(self->data + self->pos, used);
        rec->len = used;
    }
    s_advance(self, self->pos + used);
    return 1;
}

void jsonin_record_clear(jsonin_record_t *rec)
{
    json_decref(rec->value);
    free(rec->text);
    memset(rec, 0, sizeof *rec);
}

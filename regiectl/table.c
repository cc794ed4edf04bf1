/*
 * table — aligned columns and terminal-safe text for regiectl.
 */
#include "table.h"

#include "ref.h"
#include "xmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct table {
    size_t n;       /* columns */
    char **headers; /* n headers, without the '>' */
    bool *right;    /* n flags: right-aligned */
    char **cells;   /* rows * n cells, row by row */
    size_t rows;
    size_t cap; /* rows room in cells */
};

table_t *table_new(size_t n, const char *const *headers)
{
    table_t *t = xcalloc(1, sizeof *t);
    t->n = n;
    t->headers = xcalloc(n, sizeof *t->headers);
    t->right = xcalloc(n, sizeof *t->right);
    for (size_t i = 0; i < n; i++) {
        t->right[i] = headers[i][0] == '>';
        t->headers[i] = xstrdup(headers[i] + t->right[i]);
    }
    return t;
}

void table_destroy(table_t **p)
{
    if (!p || !*p)
        return;
    table_t *t = *p;
    for (size_t i = 0; i < t->n; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->rows * t->n; i++)
        free(t->cells[i]);
    free(t->headers);
    free(t->right);
    free(t->cells);
    free(t);
    *p = NULL;
}

void table_add(table_t *t, const char *const *cells)
{
    if (t->rows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = xrealloc(t->cells, t->cap * t->n * sizeof *t->cells);
    }
    for (size_t i = 0; i < t->n; i++)
        t->cells[t->rows * t->n + i] = table_clean(cells[i], false, 0);
    t->rows++;
}

size_t table_rows(const table_t *t)
{
    return t->rows;
}

size_t table_width(const char *text)
{
    size_t w = 0;
    for (const unsigned char *p = (const void *)text; *p; p++)
        w += (*p & 0xC0) != 0x80;
    return w;
}

/* Prints one cell padded to width (not after the last column). */
static void s_cell(const table_t *t, size_t col, const char *text, size_t width,
                   FILE *out)
{
    size_t pad = width - table_width(text);
    bool last = col + 1 == t->n;
    if (t->right[col])
        fprintf(out, "%*s%s", (int)pad, "", text);
    else
        fprintf(out, "%s%*s", text, last ? 0 : (int)pad, "");
    fputs(last ? "\n" : "  ", out);
}

void table_print(const table_t *t, FILE *out)
{
    size_t *w = xcalloc(t->n, sizeof *w);
    for (size_t c = 0; c < t->n; c++) {
        w[c] = table_width(t->headers[c]);
        for (size_t r = 0; r < t->rows; r++) {
            size_t cw = table_width(t->cells[r * t->n + c]);
            w[c] = cw > w[c] ? cw : w[c];
        }
    }
    for (size_t c = 0; c < t->n; c++)
        s_cell(t, c, t->headers[c], w[c], out);
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->n; c++)
            s_cell(t, c, t->cells[r * t->n + c], w[c], out);
    free(w);
}

char *table_clean(const char *text, bool keep_newlines, size_t max)
{
    if (!text)
        return xstrdup("-");
    size_t len = strlen(text);
    char *out = xmalloc(len + 4);
    size_t o = 0, chars = 0;
    for (const unsigned char *p = (const void *)text; *p; p++) {
        bool start = (*p & 0xC0) != 0x80;
        if (start && max && chars == max) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        chars += start;
        bool ctl = *p < 0x20 || *p == 0x7f;
        out[o++] = ctl && !(keep_newlines && *p == '\n') ? '?' : (char)*p;
    }
    out[o] = '\0';
    return out;
}

char *table_time(const char *rfc3339, char *buf, size_t len)
{
    int64_t t;
    if (!rfc3339 || !*rfc3339) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (ref_time_parse(rfc3339, &t)) {
        time_t tt = (time_t)t;
        struct tm tm;
        if (localtime_r(&tt, &tm) && strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
            return buf;
    }
    char *c = table_clean(rfc3339, false, len - 4);
    snprintf(buf, len, "%s", c);
    free(c);
    return buf;
}

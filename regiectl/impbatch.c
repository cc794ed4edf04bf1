/*
 * impbatch — an import's lines in batches, case by case (see
 * impbatch.h): the lines are sorted three times (by bsn, to find the
 * case number a bsn goes with; by case, to find the cases; by case and
 * file order, for the batches), pointers only: no copy of a bsn is
 * made.
 */
#include "impbatch.h"

#include "impfile.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One line, as the sorting sees it. */
typedef struct {
    json_t *line;    /* borrowed from the lines */
    size_t index;    /* its place in the file */
    const char *ref; /* its case_ref, or NULL; borrowed */
    const char *bsn; /* its bsn, or NULL; borrowed */
    char kind;       /* of its case's key: 'r' a case_ref, 'b' a bsn,
                      * 'n' none (the line is its own case) */
    const char *key; /* the key itself, borrowed */
    size_t group;    /* the index of the first line of its case */
} s_entry_t;

static json_t *s_case(const s_entry_t *e)
{
    return json_object_get(e->line, "case");
}

static const char *s_case_str(const s_entry_t *e, const char *name)
{
    return json_string_value(json_object_get(s_case(e), name));
}

static long s_line_no(const s_entry_t *e)
{
    return (long)json_integer_value(json_object_get(e->line, "line"));
}

/* NULL sorts after every text. */
static int s_strcmp(const char *a, const char *b)
{
    return !a || !b ? (a == NULL) - (b == NULL) : strcmp(a, b);
}

/* Lines with a bsn first, by bsn, then the others; each in file order. */
static int s_by_bsn(const void *x, const void *y)
{
    const s_entry_t *a = *(s_entry_t *const *)x, *b = *(s_entry_t *const *)y;
    if (!a->bsn != !b->bsn)
        return a->bsn ? -1 : 1;
    int c = a->bsn ? strcmp(a->bsn, b->bsn) : 0;
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

static int s_by_key(const void *x, const void *y)
{
    const s_entry_t *a = *(s_entry_t *const *)x, *b = *(s_entry_t *const *)y;
    int c = a->kind != b->kind ? a->kind - b->kind : s_strcmp(a->key, b->key);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

static int s_by_group(const void *x, const void *y)
{
    const s_entry_t *a = *(s_entry_t *const *)x, *b = *(s_entry_t *const *)y;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The keys of lines with a bsn: the case_ref the bsn is given with
 * first (in the file), else the bsn. Notes a bsn given with two. */
static void s_bsn_keys(s_entry_t **p, size_t n, json_t *errors)
{
    qsort(p, n, sizeof *p, s_by_bsn);
    for (size_t i = 0; i < n && p[i]->bsn;) {
        size_t end = i;
        const s_entry_t *with = NULL;
        while (end < n && p[end]->bsn && strcmp(p[end]->bsn, p[i]->bsn) == 0)
            end++;
        for (size_t k = i; k < end; k++) {
            if (p[k]->ref && !with)
                with = p[k];
            else if (p[k]->ref && strcmp(p[k]->ref, with->ref) != 0)
                impfile_error(errors, s_line_no(p[k]),
                              "this bsn is given with case_ref %s on line "
                              "%ld: one person, one case",
                              with->ref, s_line_no(with));
        }
        for (size_t k = i; k < end; k++)
            if (!p[k]->ref) {
                p[k]->kind = with ? 'r' : 'b';
                p[k]->key = with ? with->ref : p[k]->bsn;
            }
        i = end;
    }
}

/* Gives every line of the case p[i..end) (sorted by file order) the
 * case's value of name (the first line's that has one); notes a type
 * that another line contradicts. */
static void s_spread(s_entry_t **p, size_t i, size_t end, const char *name,
                     json_t *errors)
{
    const s_entry_t *first = NULL;
    for (size_t k = i; k < end; k++) {
        const char *v = s_case_str(p[k], name);
        if (v && !first)
            first = p[k];
        else if (v && strcmp(name, "type") == 0 &&
                 strcmp(v, s_case_str(first, name)) != 0)
            impfile_error(errors, s_line_no(p[k]),
                          "type %s here, but %s on line %ld: one case, one "
                          "type",
                          v, s_case_str(first, name), s_line_no(first));
    }
    for (size_t k = i; first && k < end; k++)
        if (!s_case_str(p[k], name))
            json_object_set_new(s_case(p[k]), name,
                                json_string(s_case_str(first, name)));
}

/* Finds the cases (group) and spreads their regisseur and type. */
static void s_cases(s_entry_t **p, size_t n, json_t *errors)
{
    qsort(p, n, sizeof *p, s_by_key);
    for (size_t i = 0; i < n;) {
        size_t end = i + 1;
        while (p[i]->kind != 'n' && end < n && p[end]->kind == p[i]->kind &&
               strcmp(p[end]->key, p[i]->key) == 0)
            end++;
        for (size_t k = i; k < end; k++)
            p[k]->group = p[i]->index;
        if (p[i]->kind != 'n') {
            s_spread(p, i, end, "regisseur", errors);
            s_spread(p, i, end, "type", errors);
        }
        i = end;
    }
}

/* About the bytes line takes in a request (escapes counted twice). */
static size_t s_bytes(json_t *line)
{
    const char *part, *key;
    json_t *o, *v;
    size_t n = 64;
    json_object_foreach(line, part, o)
    {
        json_object_foreach(o, key, v)
        {
            n += 16 + strlen(key) + 2 * json_string_length(v);
        }
    }
    return n;
}

/* Cuts the lines, sorted case by case, into batches. */
static json_t *s_cut(s_entry_t **p, size_t n, json_t *errors)
{
    json_t *batches = json_array(), *batch = NULL;
    size_t lines = 0, bytes = 0;
    for (size_t i = 0; i < n;) {
        size_t end = i, b = 0;
        while (end < n && p[end]->group == p[i]->group)
            b += s_bytes(p[end++]->line);
        if (b > IMPBATCH_BYTES)
            impfile_error(errors, s_line_no(p[i]),
                          "the lines of this case are more than one request "
                          "to regied may hold (%d bytes)",
                          IMPBATCH_BYTES);
        if (!batch || lines + (end - i) > IMPBATCH_LINES ||
            bytes + b > IMPBATCH_BYTES) {
            batch = json_array();
            json_array_append_new(batches, batch);
            lines = bytes = 0;
        }
        lines += end - i;
        bytes += b;
        for (; i < end; i++)
            json_array_append(batch, p[i]->line);
    }
    return batches;
}

json_t *impbatch_make(json_t *lines, json_t *errors)
{
    size_t n = json_array_size(lines);
    s_entry_t *e = xcalloc(n ? n : 1, sizeof *e);
    s_entry_t **p = xcalloc(n ? n : 1, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        e[i].line = json_array_get(lines, i);
        e[i].index = i;
        e[i].ref = s_case_str(&e[i], "ref");
        e[i].bsn = s_case_str(&e[i], "bsn");
        e[i].kind = e[i].ref ? 'r' : 'n';
        e[i].key = e[i].ref;
        p[i] = &e[i];
    }
    s_bsn_keys(p, n, errors);
    s_cases(p, n, errors);
    qsort(p, n, sizeof *p, s_by_group);
    json_t *batches = s_cut(p, n, errors);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(sorted, p[i]->line);
    json_array_clear(lines);
    json_array_extend(lines, sorted);
    json_decref(sorted);
    free(p);
    free(e);
    return batches;
}

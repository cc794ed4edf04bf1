/*
 * impfile — an import file into lines (see impfile.h): the two readers
 * (CSV and JSON lines) make a row, an object of column to text; one
 * function turns a row into a line, checking every column.
 */
#include "impfile.h"

#include "bsn.h"
#include "cal.h"
#include "csv.h"
#include "jwipe.h"
#include "parse.h"
#include "ref.h"
#include "xmem.h"

#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_COLUMNS 10
#define S_REF_MAX 64          /* bytes of a case_ref, as regied takes it */
#define S_DESCRIPTION_MAX 300 /* bytes of a description, as regied takes */
#define S_DAYS_MAX 3660       /* period_days: ten years, as agree --every */
#define S_VALUE_MAX 1000      /* bytes of any other value */

/* The columns, and where each goes in a line: the case or the
 * agreement, under which name. */
static const struct {
    const char *name;
    char part; /* 'c' case, 'a' agreement */
    const char *key;
} s_columns[S_COLUMNS] = {
    {"case_ref", 'c', "ref"},
    {"bsn", 'c', "bsn"},
    {"regisseur", 'c', "regisseur"},
    {"type", 'c', "type"},
    {"kind", 'a', "kind"},
    {"owner", 'a', NULL},
    {"description", 'a', "description"},
    {"due", 'a', "due"},
    {"period_days", 'a', "period_days"},
    {"policy", 'a', "policy"},
};

void impfile_error(json_t *errors, long line, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(errors, json_pack("{s:I, s:s}", "line",
                                            (json_int_t)line, "message", msg));
}

void impfile_clear(impfile_t *f)
{
    jwipe(f->lines);
    json_decref(f->lines);
    json_decref(f->errors);
    f->lines = f->errors = NULL;
}

int impfile_format(const char *path, const char *given, impfile_format_t *fmt)
{
    const char *dot = strrchr(path, '.');
    const char *by = given ? given : dot && !strchr(dot, '/') ? dot + 1 : "";
    if (strcasecmp(by, "csv") == 0)
        *fmt = IMPFILE_CSV;
    else if (strcasecmp(by, "jsonl") == 0 ||
             (!given && !strcasecmp(by, "ndjson")))
        *fmt = IMPFILE_JSONL;
    else
        return -1;
    return 0;
}

/* ------------------------------------------------------------ a line */

/* The index of column name (any case), or -1. */
static int s_column(const char *name)
{
    for (int i = 0; i < S_COLUMNS; i++)
        if (strcasecmp(s_columns[i].name, name) == 0)
            return i;
    return -1;
}

/* Whether text has a control character (a line break, a tab...). */
static bool s_has_control(const char *text)
{
    for (const unsigned char *p = (const void *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* The checks every value of a row passes; the BSN's own are in
 * s_case. */
static bool s_value_ok(json_t *errors, long line, int col, const char *v)
{
    const char *name = s_columns[col].name;
    if (strcmp(name, "bsn") == 0)
        return true;
    if (bsn_in_text(v)) {
        impfile_error(errors, line,
                      "%s holds what looks like a BSN: a BSN goes in the bsn "
                      "column only",
                      name);
        return false;
    }
    if (strlen(v) > S_VALUE_MAX || s_has_control(v)) {
        impfile_error(errors, line,
                      "%s must be one line of at most %d bytes, without "
                      "tabs or other control characters",
                      name, S_VALUE_MAX);
        return false;
    }
    return true;
}

/* The value of column name in row, or NULL when it is not given. */
static const char *s_get(json_t *row, const char *name)
{
    return json_string_value(json_object_get(row, name));
}

/* Checks the case columns of row into the line's case object c. */
static bool s_case(json_t *errors, long line, json_t *row, json_t *c)
{
    const char *ref = s_get(row, "case_ref"), *bsn = s_get(row, "bsn");
    const char *reg = s_get(row, "regisseur"), *type = s_get(row, "type");
    char why[64];
    int64_t id;
    bool ok = true;
    if (ref && strlen(ref) > S_REF_MAX) {
        impfile_error(errors, line, "case_ref is longer than %d bytes",
                      S_REF_MAX);
        ok = false;
    }
    if (bsn && !bsn_check(bsn, why, sizeof why)) {
        impfile_error(errors, line, "bsn: the BSN %s", why);
        ok = false;
    }
    if (reg && !strchr(reg, '@') && !ref_parse(reg, REF_REGISSEUR, &id)) {
        impfile_error(errors, line,
                      "regisseur must be a reference like "
                      "RG-000003, or the email of a regisseur");
        ok = false;
    }
    if (type && strcmp(type, "complex") && strcmp(type, "intensive")) {
        impfile_error(errors, line, "type must be complex or intensive");
        ok = false;
    }
    if ((reg || type) && !ref && !bsn) {
        impfile_error(errors, line,
                      "regisseur and type are of a case: give "
                      "its case_ref or a bsn");
        ok = false;
    }
    for (int i = 0; i < 4; i++)
        if (s_get(row, s_columns[i].name))
            json_object_set_new(c, s_columns[i].key,
                                json_string(s_get(row, s_columns[i].name)));
    return ok;
}

/* Checks owner, kind and description of row into the agreement a. */
static bool s_what(json_t *errors, long line, json_t *row, json_t *a)
{
    static const char *const kinds[] = {"custom", "request", "progress",
                                        "assign", "partner"};
    const char *owner = s_get(row, "owner"), *kind = s_get(row, "kind");
    const char *desc = s_get(row, "description");
    bool ok = true, known = !kind;
    for (size_t i = 0; kind && i < sizeof kinds / sizeof *kinds; i++)
        known = known || strcmp(kind, kinds[i]) == 0;
    if (!owner || !parse_owner(owner, a)) {
        impfile_error(errors, line,
                      owner ? "owner must be regisseur:REGISSEUR, partner:ID, "
                              "kernteam or department:ID"
                            : "an agreement needs an owner");
        ok = false;
    }
    if (!known) {
        impfile_error(errors, line,
                      "kind must be custom, request, progress, "
                      "assign or partner");
        ok = false;
    }
    if (!desc || strlen(desc) > S_DESCRIPTION_MAX) {
        impfile_error(errors, line,
                      "an agreement needs a description of 1 "
                      "to %d characters",
                      S_DESCRIPTION_MAX);
        ok = false;
    }
    return ok;
}

/* Checks due, period_days and policy of row into the agreement a, whose
 * kind is set (as regiectl agree sets it). */
static bool s_when(json_t *errors, long line, json_t *row, json_t *a)
{
    const char *due = s_get(row, "due"), *days = s_get(row, "period_days");
    const char *kind = s_get(a, "kind");
    long long n = 0;
    int64_t t;
    bool ok = true;
    if (!due && strcmp(kind, "request") != 0) {
        impfile_error(errors, line,
                      "an agreement needs a due time (only a "
                      "request has one by default)");
        ok = false;
    } else if (due && cal_parse(due, &t) < 0) {
        impfile_error(errors, line,
                      "due must be like \"2026-12-01 09:00\" (in regied's "
                      "time zone) or RFC 3339");
        ok = false;
    }
    if (days && !parse_number(days, 1, S_DAYS_MAX, &n)) {
        impfile_error(errors, line,
                      "period_days must be a number of days, 1 to %d",
                      S_DAYS_MAX);
        ok = false;
    }
    if (due)
        json_object_set_new(a, "due", json_string(due));
    if (days && ok)
        json_object_set_new(a, "period_days", json_integer(n));
    if (s_get(row, "policy"))
        json_object_set_new(a, "policy", json_string(s_get(row, "policy")));
    return ok;
}

/* Checks the agreement columns of row into the agreement a. */
static bool s_agreement(json_t *errors, long line, json_t *row, json_t *a)
{
    bool ok = s_what(errors, line, row, a);
    const char *kind = s_get(row, "kind");
    const char *type = s_get(a, "owner_type");
    if (!kind)
        kind = type && strcmp(type, "department") == 0 ? "request" : "custom";
    json_object_set_new(a, "kind", json_string(kind));
    if (s_get(row, "description"))
        json_object_set_new(a, "description",
                            json_string(s_get(row, "description")));
    return s_when(errors, line, row, a) && ok;
}

/* Turns row (column to text; empty texts left out) into a line of f. */
static void s_line(impfile_t *f, long line, json_t *row)
{
    const char *key;
    json_t *v, *c = json_object(), *a = json_object();
    bool ok = true, any_a = false;
    json_object_foreach(row, key, v)
    {
        int col = s_column(key);
        ok = s_value_ok(f->errors, line, col, json_string_value(v)) && ok;
        any_a = any_a || s_columns[col].part == 'a';
    }
    if (ok && json_object_size(row) > 0) {
        ok = s_case(f->errors, line, row, c);
        ok = (!any_a || s_agreement(f->errors, line, row, a)) && ok;
    }
    json_t *out = json_pack("{s:I}", "line", (json_int_t)line);
    if (json_object_size(c))
        json_object_set(out, "case", c);
    if (any_a)
        json_object_set(out, "agreement", a);
    if (ok && json_object_size(row) > 0)
        json_array_append(f->lines, out); /* wiped by impfile_clear */
    else
        jwipe(out);
    json_decref(out);
    json_decref(c);
    json_decref(a);
}

/* ------------------------------------------------------------ CSV */

/* The delimiter of a CSV file: the one of , ; and tab its first line
 * holds most of (a comma when none). */
static char s_delimiter(const char *text, size_t len)
{
    const char cands[] = {',', ';', '\t'};
    size_t counts[3] = {0}, best = 0;
    for (size_t i = 0; i < len && text[i] != '\n'; i++)
        for (size_t k = 0; k < 3; k++)
            counts[k] += text[i] == cands[k];
    for (size_t k = 1; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return cands[best];
}

/* Whether text is a plain column name that can be shown as it is. */
static bool s_plain(const char *text)
{
    size_t n = strlen(text);
    return n > 0 && n <= 40 &&
           strspn(text, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ_ -") == n;
}

/* Notes header field name: twice, or no column (shown only when it is a
 * plain name: a file without header starts with a row of data). */
static void s_bad_column(impfile_t *f, long line, const char *name, bool twice)
{
    if (twice)
        impfile_error(f->errors, line, "column %s is in the header twice",
                      name);
    else if (s_plain(name))
        impfile_error(
            f->errors, line,
            "%s is not a column (the columns are " IMPFILE_COLUMNS ")", name);
    else
        impfile_error(f->errors, line,
                      "a field of the header is not a column (the columns "
                      "are " IMPFILE_COLUMNS ")");
}

/* Reads the header row into cols (the column of each field). Returns
 * whether it is good: every field a known column, none twice. */
static bool s_header(impfile_t *f, const csv_row_t *h, int *cols)
{
    bool ok = true, seen[S_COLUMNS] = {false};
    for (size_t i = 0; i < h->n; i++) {
        char name[64];
        const char *start = h->fields[i] + strspn(h->fields[i], " ");
        snprintf(name, sizeof name, "%.*s", (int)strcspn(start, " "), start);
        cols[i] = s_column(name);
        if (cols[i] < 0 || seen[cols[i]]) {
            s_bad_column(f, h->line, name, cols[i] >= 0);
            ok = false;
        } else {
            seen[cols[i]] = true;
        }
    }
    return ok;
}

/* The row object of a CSV row: each non-empty field (spaces around it
 * left out) under its column. */
static json_t *s_csv_row(const csv_row_t *r, const int *cols)
{
    json_t *row = json_object();
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->fields[i] + strspn(r->fields[i], " ");
        size_t n = strlen(v);
        while (n > 0 && v[n - 1] == ' ')
            n--;
        if (n > 0)
            json_object_set_new(row, s_columns[cols[i]].name,
                                json_stringn(v, n));
    }
    return row;
}

/* Wipes the fields of r and frees them. */
static void s_csv_clear(csv_row_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        sodium_memzero(r->fields[i], strlen(r->fields[i]));
    csv_row_clear(r);
}

/* Reads the rows after the header, each into a line. */
static void s_csv_rows(impfile_t *f, csv_t *csv, const int *cols, size_t n)
{
    csv_row_t r;
    while (csv_next(csv, &r) == 1) {
        const char *e = r.error;
        if (strncmp(e, "line ", 5) == 0 && strstr(e, ": "))
            e = strstr(e, ": ") + 2; /* the line is said already */
        if (r.error[0])
            impfile_error(f->errors, r.line, "%s", e);
        else if (r.n != n)
            impfile_error(f->errors, r.line,
                          "%zu fields, but the header has %zu", r.n, n);
        if (!r.error[0] && r.n == n) {
            json_t *row = s_csv_row(&r, cols);
            s_line(f, r.line, row);
            jwipe(row);
            json_decref(row);
        }
        s_csv_clear(&r);
    }
}

static void s_csv(impfile_t *f, const char *text, size_t len)
{
    csv_t *csv = csv_new(text, len, s_delimiter(text, len));
    csv_row_t h;
    if (csv_next(csv, &h) != 1 || h.error[0]) {
        impfile_error(f->errors, h.error[0] ? h.line : 0,
                      "a CSV import file starts with a header row naming "
                      "its columns: " IMPFILE_COLUMNS);
    } else {
        int *cols = xcalloc(h.n, sizeof *cols);
        if (s_header(f, &h, cols))
            s_csv_rows(f, csv, cols, h.n);
        free(cols);
    }
    s_csv_clear(&h);
    csv_destroy(&csv);
}

/* ------------------------------------------------------------ JSON lines */

/* The row object of one JSON line, or NULL after noting why not. */
static json_t *s_json_row(impfile_t *f, long line, json_t *o)
{
    const char *key;
    json_t *v, *row = json_object();
    bool ok = json_is_object(o);
    if (!ok)
        impfile_error(f->errors, line,
                      "a line of a JSON lines file is one "
                      "object, like {\"case_ref\": ...}");
    json_object_foreach(o, key, v)
    {
        int col = s_column(key);
        char num[24];
        if (col < 0 || strcmp(key, s_columns[col].name) != 0) {
            impfile_error(f->errors, line,
                          "%s%s is not a column (the "
                          "columns are " IMPFILE_COLUMNS ")",
                          s_plain(key) ? key : "a member",
                          s_plain(key) ? "" : " of the object");
            ok = false;
        } else if (json_is_integer(v) && strcmp(key, "period_days") == 0) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            json_object_set_new(row, key, json_string(num));
        } else if (json_is_string(v) && json_string_length(v) > 0) {
            json_object_set_new(row, key, json_string(json_string_value(v)));
        } else if (!json_is_null(v) && !json_is_string(v)) {
            impfile_error(f->errors, line, "%s must be text", key);
            ok = false;
        }
    }
    if (!ok) {
        jwipe(row);
        json_decref(row);
    }
    return ok ? row : NULL;
}

/* Reads one JSON line of len bytes at p (not blank) into a line. */
static void s_json_line(impfile_t *f, long line, const char *p, size_t len)
{
    json_error_t err;
    json_t *o = json_loadb(p, len, JSON_REJECT_DUPLICATES, &err);
    json_t *row = o ? s_json_row(f, line, o) : NULL;
    if (!o) /* err.text may quote the line: not shown */
        impfile_error(f->errors, line,
                      "not valid JSON (UTF-8, no duplicate keys) at column "
                      "%d",
                      err.column);
    if (row)
        s_line(f, line, row);
    jwipe(row);
    json_decref(row);
    jwipe(o);
    json_decref(o);
}

static void s_jsonl(impfile_t *f, const char *text, size_t len)
{
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        line++;
        if (strspn(text + pos, " \t\r") < n)
            s_json_line(f, line, text + pos, n);
        pos += n + 1;
    }
}

void impfile_read(const char *text, size_t len, impfile_format_t fmt,
                  impfile_t *f)
{
    f->lines = json_array();
    f->errors = json_array();
    if (memchr(text, '\0', len))
        impfile_error(f->errors, 0,
                      "the file holds a NUL byte: it is not "
                      "text");
    else if (fmt == IMPFILE_CSV)
        s_csv(f, text, len);
    else
        s_jsonl(f, text, len);
}

/*
 * rrpjson — the body of an RRP/1 request as JSON, its canonical text, the
 * readers of its members and the checks of their values (see rrpjson.h).
 * Pure functions; the messages are written for a partner's IT staff and
 * say what to fix.
 */
#include "rrpjson.h"

#include "strbuf.h"
#include "xmem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t rrpjson_utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* Whether s holds a control character (C0, DEL or C1). */
bool rrpjson_has_control(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return true;
    }
    return false;
}

/* Reads exactly n digits from s into *v. */
static bool s_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

static bool s_ymd(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!s_digits(s, 4, &y) || s[4] != '-' || !s_digits(s + 5, 2, &m) ||
        s[7] != '-' || !s_digits(s + 8, 2, &d))
        return false;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

bool rrpjson_date_valid(const char *s)
{
    return strlen(s) == 10 && s_ymd(s);
}

bool rrpjson_timestamp_valid(const char *s)
{
    int h, mi, sec, oh, om;
    if (strlen(s) < 20 || !s_ymd(s) || (s[10] != 'T' && s[10] != 't') ||
        !s_digits(s + 11, 2, &h) || s[13] != ':' || !s_digits(s + 14, 2, &mi) ||
        s[16] != ':' || !s_digits(s + 17, 2, &sec) || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        const char *q = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == q)
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    if ((*p != '+' && *p != '-') || strlen(p) != 6 ||
        !s_digits(p + 1, 2, &oh) || p[3] != ':' || !s_digits(p + 4, 2, &om))
        return false;
    return oh <= 23 && om <= 59;
}

json_t *rrpjson_parse_object(const char *body, size_t len, rrp_problem_t *pb)
{
    json_error_t err;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        rrp_problem_set(pb, RRP_BAD_JSON, NULL,
                        "the body is not valid JSON: %s (line %d, column %d)",
                        err.text, err.line, err.column);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        rrp_problem_set(pb, RRP_BAD_JSON, NULL,
                        "the body must be one JSON object { ... }");
        return NULL;
    }
    return root;
}

/* The flags whose output the canonical text is: the digests stored
 * since the first version are of this text, so it must stay byte for
 * byte what json_dumps writes with them. */
#define S_CANON_FLAGS                                                        \
    (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

/* A string as jansson's dump_string writes it without JSON_ESCAPE_SLASH
 * and JSON_ENSURE_ASCII: '"', '\\' and the control characters escaped,
 * the rest (valid UTF-8: the parser checked it) as it is. */
static void s_canon_string(strbuf_t *b, const char *s, size_t len)
{
    size_t from = 0;
    strbuf_put(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        strbuf_put(b, s + from, i - from);
        from = i + 1;
        char seq[8];
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\b'  ? "\\b"
                          : c == '\f'  ? "\\f"
                          : c == '\n'  ? "\\n"
                          : c == '\r'  ? "\\r"
                          : c == '\t'  ? "\\t"
                                       : NULL;
        if (!esc) {
            snprintf(seq, sizeof seq, "\\u%04X", (unsigned)c);
            esc = seq;
        }
        strbuf_puts(b, esc);
    }
    strbuf_put(b, s + from, len - from);
    strbuf_put(b, "\"", 1);
}

static int s_key_order(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int s_canon(strbuf_t *b, const json_t *v);

/* An object with its keys in byte order (jansson's, for keys without
 * NUL, which the parser refuses). */
static int s_canon_object(strbuf_t *b, const json_t *v)
{
    const char *small[16], **keys = small;
    size_t n = json_object_size(v), k = 0;
    if (n > sizeof small / sizeof *small)
        keys = xmalloc(n * sizeof *keys);
    const char *key;
    json_t *member;
    json_object_foreach((json_t *)v, key, member)
        keys[k++] = key;
    qsort(keys, k, sizeof *keys, s_key_order);
    int rc = 0;
    strbuf_put(b, "{", 1);
    for (size_t i = 0; i < k && rc == 0; i++) {
        if (i)
            strbuf_put(b, ",", 1);
        s_canon_string(b, keys[i], strlen(keys[i]));
        strbuf_put(b, ":", 1);
        rc = s_canon(b, json_object_get(v, keys[i]));
    }
    strbuf_put(b, "}", 1);
    if (keys != small)
        free(keys);
    return rc;
}

/* Appends the canonical text of v; -1 where json_dumps fails. */
static int s_canon(strbuf_t *b, const json_t *v)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return s_canon_object(b, v);
    case JSON_ARRAY: {
        int rc = 0;
        strbuf_put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
            if (i)
                strbuf_put(b, ",", 1);
            rc = s_canon(b, json_array_get(v, i));
        }
        strbuf_put(b, "]", 1);
        return rc;
    }
    case JSON_STRING:
        s_canon_string(b, json_string_value(v), json_string_length(v));
        return 0;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        strbuf_puts(b, num);
        return 0;
    case JSON_REAL: { /* rare: jansson's own formatting of the number */
        char *r = json_dumps(v, S_CANON_FLAGS);
        if (r)
            strbuf_puts(b, r);
        free(r);
        return r ? 0 : -1;
    }
    case JSON_TRUE:
        strbuf_puts(b, "true");
        return 0;
    case JSON_FALSE:
        strbuf_puts(b, "false");
        return 0;
    default:
        strbuf_puts(b, "null");
        return 0;
    }
}

char *rrpjson_canonical(const json_t *value)
{
    strbuf_t b = {0};
    if (s_canon(&b, value) < 0) { /* as json_dumps: nothing */
        strbuf_clear(&b);
        return xstrdup("");
    }
    return strbuf_take(&b);
}

/* Writes the JSON Pointer of member name of the object at base. */
static void s_pointer(char *out, size_t len, const char *base, const char *name)
{
    size_t k = (size_t)snprintf(out, len, "%s/", base);
    for (const char *p = name; *p && k + 3 < len; p++) {
        if (*p == '~' || *p == '/') {
            out[k++] = '~';
            out[k++] = *p == '~' ? '0' : '1';
        } else {
            out[k++] = *p;
        }
    }
    out[k < len ? k : len - 1] = '\0';
}

/* Refuses members of obj (at pointer base) not listed in allowed. */
int rrpjson_no_unknown(const json_t *obj, const char *base,
                       const char *const *allowed, rrp_problem_t *pb)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok && strlen(key) > 64) { /* its pointer would not fit */
            rrp_problem_set(pb, RRP_INVALID_FIELD, base,
                            "unknown field with a name of %zu characters "
                            "in %s",
                            strlen(key), base[0] ? base : "the body");
            return -1;
        }
        if (!ok) {
            char ptr[160], shown[40];
            s_pointer(ptr, sizeof ptr, base, key);
            rrp_printable(key, strlen(key), shown, sizeof shown);
            rrp_problem_set(pb, RRP_INVALID_FIELD, ptr,
                            "unknown field '%s%s%s'", base[0] ? base + 1 : "",
                            base[0] ? "." : "", shown);
            return -1;
        }
    }
    return 0;
}

/* Reads string member name of obj; label names it for people ("contact.
 * name"), ptr is its JSON Pointer. Length in code points within [min,
 * max]. Missing: NULL, an error only when required. */
int rrpjson_string(const json_t *obj, const char *name, const char *label,
                   const char *ptr, bool required, size_t min, size_t max,
                   const char **out, rrp_problem_t *pb)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v) {
        if (!required)
            return 0;
        rrp_problem_set(pb, RRP_INVALID_FIELD, ptr, "%s is required", label);
        return -1;
    }
    if (!json_is_string(v)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, ptr, "%s must be a string",
                        label);
        return -1;
    }
    const char *s = json_string_value(v);
    size_t n = rrpjson_utf8_length(s);
    if (n < min || n > max) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, ptr,
                        "%s must be %zu to %zu characters long, not %zu", label,
                        min, max, n);
        return -1;
    }
    *out = s;
    return 0;
}

/* Reads an optional or required string that must be one of choices. */
int rrpjson_choice(const json_t *obj, const char *name,
                   const char *const *choices, bool required, const char **out,
                   rrp_problem_t *pb)
{
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/%s", name);
    if (rrpjson_string(obj, name, name, ptr, required, 0, 1000, out, pb) < 0)
        return -1;
    if (!*out)
        return 0;
    char list[256] = "";
    for (size_t i = 0; choices[i]; i++) {
        if (strcmp(*out, choices[i]) == 0)
            return 0;
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", choices[i]);
    }
    char shown[40];
    rrp_printable(*out, strlen(*out), shown, sizeof shown);
    rrp_problem_set(pb, RRP_INVALID_FIELD, ptr, "%s '%s' is not one of: %s",
                    name, shown, list);
    return -1;
}

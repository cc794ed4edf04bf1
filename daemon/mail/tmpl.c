/*
 * tmpl — email templates: a file read and checked once (Subject line,
 * empty line, body, every {{name}} allowed; an HTML one is a body only),
 * then rendered any number of times with values that cannot break out
 * of where they land. Owns the template text; loaded by the main thread,
 * rendered by the sender.
 */
#include "tmpl.h"

#include "strbuf.h"
#include "utf8.h"
#include "rfile.h"
#include "xmem.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct tmpl {
    char *subject; /* the Subject line's text, placeholders unexpanded;
                      NULL in an HTML template */
    char *body;    /* the body, LF line ends, placeholders unexpanded */
};

/* Where a value lands. */
typedef enum { S_SUBJECT, S_BODY, S_HTML } s_place_t;

/* Where a file's text stands, for error messages. */
typedef struct {
    const char *path;
    char *err;
    size_t errlen;
} where_t;

static void s_error(const where_t *w, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "path:line: message" (or "path: message" for line 0). */
static void s_error(const where_t *w, int line, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(w->err, w->errlen, "%s:%d: %s", w->path, line, msg);
    else
        snprintf(w->err, w->errlen, "%s: %s", w->path, msg);
}

/* Reads the whole file into a new string; -1 with the error set. */
static int s_read(const where_t *w, char **out)
{
    char why[600];
    FILE *f = rfile_fopen(w->path, why, sizeof why);
    if (!f) { /* why is "cannot read PATH: REASON"; the path is said */
        const char *reason = strrchr(why, ':');
        s_error(w, 0, "cannot read:%s", reason ? reason + 1 : why);
        return -1;
    }
    char *text = xmalloc(TMPL_MAX_BYTES + 2);
    size_t n = fread(text, 1, TMPL_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > TMPL_MAX_BYTES) {
        if (bad)
            s_error(w, 0, "cannot read");
        else
            s_error(w, 0, "larger than %d bytes", TMPL_MAX_BYTES);
        free(text);
        return -1;
    }
    text[n] = '\0';
    size_t at = strlen(text);
    if (at != n) {
        int line = 1;
        for (size_t i = 0; i < at; i++)
            line += text[i] == '\n';
        s_error(w, line, "contains a NUL byte");
        free(text);
        return -1;
    }
    *out = text;
    return 0;
}

/* Turns CRLF and CR into LF in place and drops a leading BOM. Then checks
 * the UTF-8; -1 with the error (and its line) set. */
static int s_normalise(const where_t *w, char *text)
{
    char *in = text, *out = text;
    if (strncmp(in, "\xEF\xBB\xBF", 3) == 0)
        in += 3;
    for (; *in; in++) {
        if (in[0] == '\r' && in[1] == '\n')
            continue;
        *out++ = *in == '\r' ? '\n' : *in;
    }
    *out = '\0';
    int line = 1;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = utf8_len(p);
        if (n == 0) {
            s_error(w, line, "not UTF-8 text");
            return -1;
        }
        line += *p == '\n';
        p += n;
    }
    return 0;
}

static bool s_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > TMPL_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return false;
    return true;
}

static bool s_allowed(const char *name, size_t len, const char *const allowed[],
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (allowed[i] && strlen(allowed[i]) == len &&
            memcmp(allowed[i], name, len) == 0)
            return true;
    return false;
}

/* Checks every placeholder of text, whose first line is line. */
static int s_check(const where_t *w, const char *text, int line,
                   const char *const allowed[], size_t n)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            line++;
        if (p[0] != '{' || p[1] != '{')
            continue;
        const char *name = p + 2;
        size_t len = strcspn(name, "}\n");
        if (name[len] != '}' || name[len + 1] != '}') {
            s_error(w, line, "unterminated {{");
            return -1;
        }
        if (!s_name_ok(name, len)) {
            s_error(w, line, "bad placeholder {{%.*s}}",
                    (int)(len > 40 ? 40 : len), name);
            return -1;
        }
        if (!s_allowed(name, len, allowed, n)) {
            s_error(w, line, "unknown placeholder {{%.*s}}", (int)len, name);
            return -1;
        }
        p = name + len + 1;
    }
    return 0;
}

/* Whether s holds only spaces and tabs. */
static bool s_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* Splits text into its Subject and body; -1 with the error set. */
static int s_split(const where_t *w, const char *text, tmpl_t *t)
{
    size_t len = strcspn(text, "\n");
    if (len < 8 || strncasecmp(text, "Subject:", 8) != 0) {
        s_error(w, 1, "missing Subject line");
        return -1;
    }
    const char *s = text + 8, *end = text + len;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (s == end) {
        s_error(w, 1, "empty Subject");
        return -1;
    }
    const char *second = text + len + (text[len] ? 1 : 0);
    size_t len2 = strcspn(second, "\n");
    if (!second[len2] || !s_blank(second, len2)) {
        s_error(w, 2, "expected an empty line after the Subject line");
        return -1;
    }
    const char *body = second + len2 + 1;
    if (!body[strspn(body, " \t\n")]) {
        s_error(w, 3, "empty body");
        return -1;
    }
    t->subject = xstrndup(s, (size_t)(end - s));
    t->body = xstrdup(body);
    return 0;
}

tmpl_t *tmpl_load(const char *path, const char *const allowed[], size_t n,
                  char *err, size_t errlen)
{
    where_t w = {path, err, errlen};
    char *text = NULL;
    tmpl_t *t = xcalloc(1, sizeof *t);
    if (s_read(&w, &text) < 0 || s_normalise(&w, text) < 0 ||
        s_split(&w, text, t) < 0 ||
        s_check(&w, t->subject, 1, allowed, n) < 0 ||
        s_check(&w, t->body, 3, allowed, n) < 0) {
        free(text);
        tmpl_destroy(&t);
        return NULL;
    }
    free(text);
    return t;
}

tmpl_t *tmpl_load_html(const char *path, const char *const allowed[], size_t n,
                       char *err, size_t errlen)
{
    where_t w = {path, err, errlen};
    char *text = NULL;
    if (s_read(&w, &text) < 0 || s_normalise(&w, text) < 0 ||
        s_check(&w, text, 1, allowed, n) < 0) {
        free(text);
        return NULL;
    }
    if (!text[strspn(text, " \t\n")]) {
        s_error(&w, 1, "empty body");
        free(text);
        return NULL;
    }
    tmpl_t *t = xcalloc(1, sizeof *t);
    t->body = text;
    return t;
}

void tmpl_destroy(tmpl_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->subject);
    free((*p)->body);
    free(*p);
    *p = NULL;
}

/* Appends the character at p of a value, made safe for the place it
 * lands; returns how many bytes of the value it took. */
static size_t s_put_char(strbuf_t *b, const unsigned char *p, s_place_t at)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    size_t n = utf8_len(p);
    bool subject = at == S_SUBJECT;
    if (n == 0) {
        strbuf_put(b, fffd, 3);
        return 1;
    }
    if (*p == '\r' || *p == '\n') {
        strbuf_put(b, subject ? " " : "\n", 1);
        return p[0] == '\r' && p[1] == '\n' ? 2 : 1;
    }
    if ((*p < 0x20 && (subject || *p != '\t')) || *p == 0x7F)
        strbuf_put(b, " ", 1);
    else if (subject && ((n == 2 && !memcmp(p, "\xC2\x85", 2)) ||
                         (n == 3 && (!memcmp(p, "\xE2\x80\xA8", 3) ||
                                     !memcmp(p, "\xE2\x80\xA9", 3)))))
        strbuf_put(b, " ", 1); /* NEL, LINE and PARAGRAPH SEPARATOR */
    else if (at == S_HTML && strchr("&<>\"'", *p))
        strbuf_puts(b, *p == '&'   ? "&amp;"
                       : *p == '<' ? "&lt;"
                       : *p == '>' ? "&gt;"
                       : *p == '"' ? "&quot;"
                                   : "&#39;");
    else
        strbuf_put(b, (const char *)p, n);
    return n;
}

/* Appends a value made safe for the place it lands. */
static void s_put_value(strbuf_t *b, const char *v, s_place_t at)
{
    const unsigned char *p = (const unsigned char *)v;
    while (*p)
        p += s_put_char(b, p, at);
}

static const char *s_lookup(const tmpl_var_t *vars, size_t n, const char *name,
                            size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (vars[i].name && strlen(vars[i].name) == len &&
            memcmp(vars[i].name, name, len) == 0)
            return vars[i].value;
    return NULL;
}

/* Expands the (checked) text with vars, made safe for where they land,
 * and (HTML) with frags as they are. */
static char *s_expand(const char *text, const tmpl_var_t *vars, size_t n,
                      const tmpl_var_t *frags, size_t m, s_place_t at)
{
    strbuf_t b = {0};
    const char *p = text, *open;
    while ((open = strstr(p, "{{")) != NULL) {
        strbuf_put(&b, p, (size_t)(open - p));
        const char *name = open + 2;
        size_t len = strcspn(name, "}");
        const char *v = s_lookup(vars, n, name, len);
        const char *f = v ? NULL : s_lookup(frags, m, name, len);
        if (v)
            s_put_value(&b, v, at);
        else if (f)
            strbuf_puts(&b, f);
        p = name + len + 2;
    }
    strbuf_put(&b, p, strlen(p));
    return strbuf_take(&b);
}

void tmpl_render(const tmpl_t *t, const tmpl_var_t *vars, size_t n,
                 char **subject, char **body)
{
    *subject =
        s_expand(t->subject ? t->subject : "", vars, n, NULL, 0, S_SUBJECT);
    *body = s_expand(t->body, vars, n, NULL, 0, S_BODY);
}

char *tmpl_render_html(const tmpl_t *t, const tmpl_var_t *vars, size_t n,
                       const tmpl_var_t *frags, size_t m)
{
    return s_expand(t->body, vars, n, frags, m, S_HTML);
}

char *tmpl_html_escape(const char *text)
{
    strbuf_t b = {0};
    s_put_value(&b, text ? text : "", S_HTML);
    return strbuf_take(&b);
}

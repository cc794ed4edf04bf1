/*
 * tmpl — email templates with named placeholders {{name}}: plain text,
 * and HTML for a mail's HTML alternative.
 *
 * A text template file is UTF-8: its first line is "Subject: ..." (a
 * UTF-8 BOM before it is allowed), the second line is empty, the rest is
 * the body. An HTML template is the body alone (the mail's subject is its
 * text template's). Subject and body may hold placeholders; a name is
 * letters, digits and "_", and must be one the caller allows. There is no
 * escape and no condition: "{" and "}" alone are text, "{{" always opens
 * a placeholder. A value is made safe where it lands: in a text template
 * for a header or a body, in an HTML template HTML-escaped as well.
 * Loaded at start and on SIGHUP, read-only afterwards (any thread may
 * render from it).
 */
#ifndef REGIE_TMPL_H
#define REGIE_TMPL_H

#include <stddef.h>

#define TMPL_MAX_BYTES 65536 /* largest template file */
#define TMPL_MAX_NAME 32     /* longest placeholder name */

typedef struct tmpl tmpl_t;

/* A value for one placeholder; both pointers are borrowed. */
typedef struct {
    const char *name;
    const char *value; /* NULL renders as "" */
} tmpl_var_t;

/* Reads and checks the template at path, whose placeholders must be
 * among the n names in allowed. Returns a new template, or NULL with one
 * line in err (errlen bytes): "path: cannot read: ...", "path: larger
 * than 65536 bytes", "path:L: contains a NUL byte", "path:L: not UTF-8
 * text", "path:1: missing Subject line",
 * "path:1: empty Subject", "path:2: expected an empty line after the
 * Subject line", "path:3: empty body", "path:L: unterminated {{",
 * "path:L: bad placeholder {{...}}" or "path:L: unknown placeholder
 * {{foo}}". */
tmpl_t *tmpl_load(const char *path, const char *const allowed[], size_t n,
                  char *err, size_t errlen);

/* Reads and checks the HTML template at path: the whole file is the
 * body, with the placeholders and the errors of tmpl_load (but those of
 * the Subject line; "path:1: empty body" for one of white space only).
 * Returns a new template, or NULL with one line in err. */
tmpl_t *tmpl_load_html(const char *path, const char *const allowed[], size_t n,
                       char *err, size_t errlen);

/* Frees a template and sets *p to NULL; accepts NULL and *p == NULL. */
void tmpl_destroy(tmpl_t **p);

/* Substitutes the n vars into text template t (tmpl_load). A
 * placeholder without a var (or with a NULL value) becomes ""; a var the
 * template does not use is ignored. Values are made safe where they land: in
 * the subject every control character (CR and LF included) becomes a space, so
 * no value can add a header; in the body CRLF and CR become LF and other
 * control characters except TAB become spaces; bytes that are not UTF-8 become
 * U+FFFD. Sets *subject (one line) and *body (LF line ends) to new strings for
 * the caller to free. Cannot fail. */
void tmpl_render(const tmpl_t *t, const tmpl_var_t *vars, size_t n,
                 char **subject, char **body);

/* Substitutes into HTML template t (tmpl_load_html) the n vars, texts
 * made safe as in a text body and then HTML-escaped (tmpl_html_escape),
 * and the m frags, HTML that regie made (whose own texts it escaped with
 * tmpl_html_escape), as they are. A placeholder that is neither (or NULL)
 * becomes "". Returns a new string for the caller to free. Cannot fail. */
char *tmpl_render_html(const tmpl_t *t, const tmpl_var_t *vars, size_t n,
                       const tmpl_var_t *frags, size_t m);

/* text (UTF-8; NULL: "") made safe as a text body value and escaped for
 * HTML, in element content and in a quoted attribute alike: & < > " '
 * become &amp; &lt; &gt; &quot; &#39;, so no value can add markup or
 * leave its attribute. Returns a new string for the caller to free. */
char *tmpl_html_escape(const char *text);

#endif

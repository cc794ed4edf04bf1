/*
 * ijwxml — libxml2 for iStandaarden messages; see ijwxml.h.
 *
 * libxml2 reports errors through callbacks: the parser's through the SAX
 * serror hook of its own context, the XSD loader's through this thread's
 * structured handler, set only while loading. Nothing reaches stderr.
 */
#include "ijwxml.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include "log.h"
#include "rfile.h"
#include "xmem.h"

/* No network, no entity substitution (no XML_PARSE_NOENT), no DTD loaded,
 * no lifting of libxml2's limits (no XML_PARSE_HUGE), line numbers past
 * 65535. */
#define S_XML_OPTIONS                                                          \
    (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES)
_Static_assert((S_XML_OPTIONS &
                (XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR |
                 XML_PARSE_DTDVALID | XML_PARSE_HUGE)) == 0,
               "a message must never have its entities expanded");
#define S_NS_BASE "http://www.istandaarden.nl/"
#define S_QUOTE_MAX 64 /* characters of a value quoted in a problem */

#if LIBXML_VERSION >= 21200
typedef const xmlError s_xerr_t;
#else
typedef xmlError s_xerr_t;
#endif

/* Where the errors of one parse or validation go. */
typedef struct {
    ijwxml_problem_fn *fn;
    void *data;
    const char *prefix; /* "not well-formed XML: " or "schema: " */
    size_t count;       /* errors reported */
    bool hold;          /* parse: a repeated problem is passed on once */
    char *held;         /* the last problem, not yet passed on, or NULL */
    long held_line;     /* its line */
} s_sink_t;

/* Rewrites "{http://www.istandaarden.nl/ijw/3_2/jw315/schema}Client" in
 * a libxml2 message as "jw315:Client" ("basisschema" as ijw: or iwmo:),
 * turns control characters into spaces and drops trailing blanks. */
static char *s_clean(const char *text)
{
    static const char pre[] = "{" S_NS_BASE;
    const char *r = text ? text : "unknown error";
    char *out = xstrdup(r), *w = out;
    while (*r) {
        char std[16], name[32];
        int n = -1;
        if (!strncmp(r, pre, sizeof pre - 1) &&
            sscanf(r + sizeof pre - 1, "%15[^/}]/%*[^/}]/%31[^/}]/schema}%n",
                   std, name, &n) == 2 &&
            n > 0) {
            w += sprintf(w, "%s:", strcmp(name, "basisschema") ? name : std);
            r += sizeof pre - 1 + (size_t)n;
        } else {
            *w++ = ((unsigned char)*r < 0x20) ? ' ' : *r;
            r++;
        }
    }
    while (w > out && w[-1] == ' ')
        w--;
    *w = '\0';
    return out;
}

/* Passes the held problem on, if there is one. */
static void s_flush(s_sink_t *sink)
{
    if (sink->held)
        sink->fn(sink->data, sink->held_line, sink->held);
    free(sink->held);
    sink->held = NULL;
}

/* Passes a problem on; while parsing holds it first, so that the same
 * text again in a row is one problem. libxml2 reports an entity
 * reference loop once per entity it unwinds, innermost first (at lines
 * of the entity's text), last at the reference in the message: the line
 * kept is the last one. */
static void s_pass(s_sink_t *sink, long line, char *text)
{
    sink->count++;
    if (!sink->hold) {
        sink->fn(sink->data, line, text);
        free(text);
        return;
    }
    if (sink->held && strcmp(sink->held, text) == 0) {
        sink->held_line = line;
        free(text);
        return;
    }
    s_flush(sink);
    sink->held = text;
    sink->held_line = line;
}

static void s_report(s_sink_t *sink, s_xerr_t *err)
{
    if (err->level < XML_ERR_ERROR)
        return;
    char *text = s_clean(err->message);
    s_pass(sink, err->line > 0 ? err->line : 0,
           xasprintf("%s%s", sink->prefix, text));
    free(text);
}

static void s_on_parse_error(void *data, s_xerr_t *err)
{
    xmlParserCtxtPtr ctxt = data; /* serror gets the context's userData */
    s_report(ctxt->_private, err);
}

static void s_on_schema_error(void *data, s_xerr_t *err)
{
    s_report(data, err);
}

/* Keeps the first error of loading an XSD in *(char **)data; a file that
 * cannot be read is only a warning to libxml2, but says most. */
static void s_on_load_error(void *data, s_xerr_t *err)
{
    char **first = data;
    if ((err->level >= XML_ERR_ERROR || err->domain == XML_FROM_IO) && !*first)
        *first = s_clean(err->message);
}

xmlDocPtr ijwxml_read(const char *buf, size_t len, ijwxml_problem_fn *fn,
                      void *data)
{
    s_sink_t sink = {fn, data, "not well-formed XML: ", 0, true, NULL, 0};
    if (len == 0 || len > INT_MAX) {
        fn(data, 0,
           len ? "the message is larger than 2 GiB" : "the message is empty");
        return NULL;
    }
    xmlParserCtxtPtr p = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (!p) {
        fn(data, 0, "libxml2 cannot start a parser");
        return NULL;
    }
    xmlCtxtUseOptions(p, S_XML_OPTIONS);
    p->_private = &sink;
    p->sax->serror = s_on_parse_error;
    xmlParseDocument(p);
    s_flush(&sink);
    bool ok = p->wellFormed && sink.count == 0;
    xmlDocPtr doc = p->myDoc;
    xmlFreeParserCtxt(p);
    if (ok && (doc->intSubset || doc->extSubset)) {
        fn(data, 0, "a DOCTYPE is not allowed in an iStandaarden message");
        ok = false;
    } else if (!ok && sink.count == 0) {
        fn(data, 0, "not well-formed XML");
    }
    if (!ok)
        xmlFreeDoc(doc);
    return ok ? doc : NULL;
}

/* Compiles the XSD at path (a regular file: libxml2 would wait on a
 * FIFO). Returns it, or NULL after a log line. While it loads, this
 * thread's libxml2 errors (also those of reading the XSD files, which
 * have no handler of their own) come here, not to stderr. */
static xmlSchemaPtr s_load_schema(const char *path)
{
    char err[600];
    if (rfile_check(path, err, sizeof err) < 0) {
        log_err("ijwxml: cannot load schema file=%s reason=\"%s\"", path, err);
        return NULL;
    }
    char *why = NULL;
    xmlSchemaPtr schema = NULL;
    xmlStructuredErrorFunc old = xmlStructuredError;
    void *old_data = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(&why, s_on_load_error);
    xmlSchemaParserCtxtPtr p = xmlSchemaNewParserCtxt(path);
    if (p) {
        xmlSchemaSetParserStructuredErrors(p, s_on_load_error, &why);
        schema = xmlSchemaParse(p);
        xmlSchemaFreeParserCtxt(p);
    }
    xmlSetStructuredErrorFunc(old_data, old);
    for (char *q = why; q && (q = strchr(q, '"')); q++)
        *q = '\''; /* the reason goes inside reason="..." */
    if (!schema)
        log_err("ijwxml: cannot load schema file=%s reason=\"%s\"", path,
                why ? why : "unknown");
    free(why);
    return schema;
}

int ijwxml_validate(xmlDocPtr doc, const char *path, ijwxml_problem_fn *fn,
                    void *data)
{
    s_sink_t sink = {fn, data, "schema: ", 0, false, NULL, 0};
    xmlSchemaPtr schema = s_load_schema(path);
    if (!schema)
        return -1;
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
    if (!v) {
        log_err("ijwxml: cannot validate file=%s reason=\"no context\"", path);
        xmlSchemaFree(schema);
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(v, s_on_schema_error, &sink);
    int rc = xmlSchemaValidateDoc(v, doc);
    if (rc != 0 && sink.count == 0) {
        char *text = xasprintf("schema: not valid (libxml2 code %d)", rc);
        fn(data, 0, text);
        free(text);
    }
    xmlSchemaFreeValidCtxt(v);
    xmlSchemaFree(schema);
    return rc == 0 ? 0 : 1;
}

static bool s_is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

xmlNodePtr ijwxml_child(xmlNodePtr parent, const char *name)
{
    return parent ? ijwxml_next(parent->children, name) : NULL;
}

xmlNodePtr ijwxml_next(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next)
        if (s_is(n, name))
            return n;
    return NULL;
}

/* Returns the text of element n without leading or trailing blanks. Only
 * text and CDATA count (a DOCTYPE is refused, so no entity is expanded). */
static char *s_text(xmlNodePtr n)
{
    size_t len = 0;
    for (xmlNodePtr k = n->children; k; k = k->next)
        if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE)
            len += strlen((const char *)k->content);
    char *s = xmalloc(len + 1), *w = s;
    *w = '\0'; /* an element without children: "" */
    for (xmlNodePtr k = n->children; k; k = k->next)
        if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE)
            w = stpcpy(w, (const char *)k->content);
    const char *b = s + strspn(s, " \t\r\n");
    size_t blen = strlen(b);
    while (blen && strchr(" \t\r\n", b[blen - 1]))
        blen--;
    memmove(s, b, blen);
    s[blen] = '\0';
    return s;
}

char *ijwxml_value(xmlNodePtr parent, const char *name, xmlNodePtr *at)
{
    xmlNodePtr n = ijwxml_child(parent, name);
    if (at)
        *at = n;
    if (!n)
        return NULL;
    char *s = s_text(n);
    if (*s)
        return s;
    free(s);
    return NULL;
}

long ijwxml_line(xmlNodePtr n)
{
    return n ? xmlGetLineNo(n) : 0;
}

char *ijwxml_quote(const char *s)
{
    size_t keep = ijwxml_utf8_prefix(s, S_QUOTE_MAX);
    char *q = xmalloc(keep + 4);
    memcpy(q, s, keep);
    strcpy(q + keep, s[keep] ? "..." : "");
    for (unsigned char *p = (unsigned char *)q; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            *p = ' ';
    return q;
}

bool ijwxml_printable(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return false;
        if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return false;
    }
    return true;
}

size_t ijwxml_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

size_t ijwxml_utf8_prefix(const char *s, size_t max)
{
    size_t i = 0, n = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
            break;
        i++;
    }
    return i;
}

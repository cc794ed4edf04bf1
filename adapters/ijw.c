/*
 * ijw — JW315 / WMO315 (release 3.2) to RRP REFERRAL bodies; see ijw.h.
 *
 * Owns the parsed message and its records; keeps no state between calls.
 * This module recognises the message, reads its header and puts each
 * record together; the parts of a record come from ijwclient (BSN, birth
 * date), ijwreferrer (contact.name), ijwid (external_id) and ijwdate
 * (occurred_at). The mapping rules, and why, are in tests/data/ijw/README.
 */
#include "ijw.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ijwclient.h"
#include "ijwdate.h"
#include "ijwid.h"
#include "ijwprob.h"
#include "ijwreferrer.h"
#include "ijwxml.h"
#include "log.h"
#include "xmem.h"

#define S_NS_BASE "http://www.istandaarden.nl/"
#define S_NS_JW315 S_NS_BASE "ijw/3_2/jw315/schema"
#define S_NS_WMO315 S_NS_BASE "iwmo/3_2/wmo315/schema"
#define S_MAX_ERRORS 100 /* message problems kept; the rest are counted */

_Static_assert(IJW_EXTERNAL_ID_MAX == IJWID_MAX, "one external_id limit");

typedef struct {
    char *text; /* "source:line: text" */
    long line;  /* 0 when the problem has no line */
} s_error_t;

typedef struct {
    json_t *json; /* the REFERRAL body; NULL when refused */
    long line;    /* line of the AangevraagdProduct (or Client) */
    char *error;  /* newline-separated problems; NULL when mapped */
} s_record_t;

struct ijw_msg {
    char *source;      /* names the message in every problem */
    ijw_type_t type;   /* what the root and BerichtCode say */
    s_error_t *errors; /* problems that refuse the whole message */
    size_t nerrors;
    size_t errors_cap;
    size_t dropped;      /* problems past S_MAX_ERRORS */
    s_record_t *records; /* one per client x product, in document order */
    size_t nrecords;
    size_t records_cap;
};

/* What mapping one message needs besides the message object. */
typedef struct {
    ijw_msg_t *msg;
    const ijw_options_t *opts;
    const ijw_category_map_t *map; /* of the message's type */
    xmlDocPtr doc;
    xmlNodePtr root;
    char *afzender;    /* Header/Afzender */
    char *ident;       /* Header/BerichtIdentificatie/Identificatie */
    char *occurred_at; /* Dagtekening, 00:00 Europe/Amsterdam */
    ijwid_t *ids;      /* the external_ids of the products */
    size_t next;       /* place of the next product to map, from 0 */
} s_ctx_t;

/* ---- problems ------------------------------------------------------- */

/* Appends a message problem; takes text. */
static void s_push_error(ijw_msg_t *msg, long line, char *text)
{
    if (msg->nerrors == msg->errors_cap) {
        msg->errors_cap = msg->errors_cap ? 2 * msg->errors_cap : 8;
        msg->errors =
            xrealloc(msg->errors, msg->errors_cap * sizeof *msg->errors);
    }
    msg->errors[msg->nerrors].text = ijwprob_at(msg->source, line, text);
    msg->errors[msg->nerrors++].line = line;
    free(text);
}

/* Adds a problem that refuses the whole message; past S_MAX_ERRORS only
 * counts it (ijw_parse then adds one line saying how many). */
__attribute__((format(printf, 3, 4))) static void
s_msg_error(ijw_msg_t *msg, long line, const char *fmt, ...)
{
    if (msg->nerrors >= S_MAX_ERRORS) {
        msg->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    s_push_error(msg, line, ijwprob_vfmt(fmt, ap));
    va_end(ap);
}

/* ---- recognising the message ---------------------------------------- */

/* Returns the type the root's namespace names, or IJW_TYPE_UNKNOWN after
 * adding why. Releases other than 3.2 are named and refused. */
static ijw_type_t s_type_of(ijw_msg_t *msg, xmlNodePtr root)
{
    const char *ns = root->ns ? (const char *)root->ns->href : NULL;
    char std[8], rel[16], name[16];
    int n = -1;
    if (!ns) {
        s_msg_error(msg, ijwxml_line(root),
                    "root element Bericht has no namespace, expected JW315 "
                    "or WMO315 release 3.2");
        return IJW_TYPE_UNKNOWN;
    }
    if (!strcmp(ns, S_NS_JW315))
        return IJW_TYPE_JW315;
    if (!strcmp(ns, S_NS_WMO315))
        return IJW_TYPE_WMO315;
    char *q = ijwxml_quote(ns);
    if (sscanf(ns, S_NS_BASE "%7[a-z]/%15[0-9_]/%15[a-z0-9]/schema%n", std, rel,
               name, &n) == 3 &&
        n > 0 && !ns[n] && (!strcmp(name, "jw315") || !strcmp(name, "wmo315")))
        s_msg_error(msg, ijwxml_line(root),
                    "%s release %s is not supported, expected release 3_2",
                    !strcmp(name, "jw315") ? "JW315" : "WMO315", rel);
    else
        s_msg_error(msg, ijwxml_line(root),
                    "namespace '%s' is not JW315 or WMO315 release 3.2", q);
    free(q);
    return IJW_TYPE_UNKNOWN;
}

/* Checks that Header/BerichtCode fits type. Returns 0 or -1 (added). */
static int s_check_code(s_ctx_t *c, ijw_type_t type)
{
    xmlNodePtr hdr = ijwxml_child(c->root, "Header"), at;
    const char *want = type == IJW_TYPE_JW315 ? "446" : "444";
    if (!hdr) {
        s_msg_error(c->msg, ijwxml_line(c->root), "Header is missing");
        return -1;
    }
    char *code = ijwxml_value(hdr, "BerichtCode", &at);
    int rc = code && !strcmp(code, want) ? 0 : -1;
    if (!code) {
        s_msg_error(c->msg, ijwxml_line(at ? at : hdr), "Header/BerichtCode %s",
                    ijwprob_absent(at));
    } else if (rc < 0) {
        char *q = ijwxml_quote(code);
        s_msg_error(c->msg, ijwxml_line(at),
                    "Header/BerichtCode is '%s', expected %s for %s", q, want,
                    type == IJW_TYPE_JW315 ? "JW315" : "WMO315");
        free(q);
    }
    free(code);
    return rc;
}

/* Recognises the message by its root, namespace and BerichtCode. */
static ijw_type_t s_recognise(s_ctx_t *c)
{
    c->root = xmlDocGetRootElement(c->doc);
    if (!c->root || strcmp((const char *)c->root->name, "Bericht")) {
        char *q = ijwxml_quote(c->root ? (const char *)c->root->name : "");
        s_msg_error(c->msg, ijwxml_line(c->root),
                    "root element is '%s', expected Bericht of JW315 or "
                    "WMO315",
                    q);
        free(q);
        return IJW_TYPE_UNKNOWN;
    }
    ijw_type_t type = s_type_of(c->msg, c->root);
    if (type == IJW_TYPE_UNKNOWN || s_check_code(c, type) < 0)
        return IJW_TYPE_UNKNOWN;
    return type;
}

/* Returns the text of header element path (under parent), or NULL after
 * adding a problem when it is missing, empty or has control characters. */
static char *s_header_value(s_ctx_t *c, xmlNodePtr parent, const char *path,
                            const char *name)
{
    xmlNodePtr at;
    char *v = ijwxml_value(parent, name, &at);
    if (!v)
        s_msg_error(c->msg, ijwxml_line(at ? at : parent), "%s/%s %s", path,
                    name, ijwprob_absent(at));
    else if (!ijwxml_printable(v))
        s_msg_error(c->msg, ijwxml_line(at), "%s/%s has a control character",
                    path, name);
    else
        return v;
    free(v);
    return NULL;
}

/* Reads what every record needs from the header. Returns 0 or -1. */
static int s_read_header(s_ctx_t *c)
{
    xmlNodePtr hdr = ijwxml_child(c->root, "Header");
    xmlNodePtr bi = ijwxml_child(hdr, "BerichtIdentificatie"), at;
    static const char bip[] = "Header/BerichtIdentificatie";
    c->afzender = s_header_value(c, hdr, "Header", "Afzender");
    if (!bi) {
        s_msg_error(c->msg, ijwxml_line(hdr), "%s is missing", bip);
        return -1;
    }
    c->ident = s_header_value(c, bi, bip, "Identificatie");
    char *date = ijwxml_value(bi, "Dagtekening", &at);
    if (!date)
        s_msg_error(c->msg, ijwxml_line(at ? at : bi), "%s/Dagtekening %s", bip,
                    ijwprob_absent(at));
    else if (!(c->occurred_at = ijwdate_midnight(date)))
        s_msg_error(c->msg, ijwxml_line(at),
                    "%s/Dagtekening is not a date (YYYY-MM-DD)", bip);
    free(date);
    return c->afzender && c->ident && c->occurred_at ? 0 : -1;
}

/* ---- one record ---------------------------------------------------- */

static void s_set_contact(s_ctx_t *c, xmlNodePtr p, json_t *j, char **err)
{
    char *name = ijwreferrer_name(p, c->msg->source, err);
    if (!name)
        return;
    json_t *ct = json_object();
    json_object_set_new(ct, "name", json_string(name));
    if (c->opts->contact_email && *c->opts->contact_email)
        json_object_set_new(ct, "email", json_string(c->opts->contact_email));
    if (c->opts->contact_phone && *c->opts->contact_phone)
        json_object_set_new(ct, "phone", json_string(c->opts->contact_phone));
    json_object_set_new(j, "contact", ct);
    free(name);
}

/* Sets category from Product/Categorie through the map of the type. */
static void s_set_category(s_ctx_t *c, xmlNodePtr p, json_t *j, char **err)
{
    xmlNodePtr at = NULL;
    char *code = ijwxml_value(ijwxml_child(p, "Product"), "Categorie", &at);
    const char *cat = NULL;
    for (size_t i = 0; code && i < c->map->count; i++)
        if (!strcmp(code, c->map->pairs[i].code))
            cat = c->map->pairs[i].category;
    if (!cat)
        cat = c->map->fallback;
    char *q = code ? ijwxml_quote(code) : NULL;
    if (cat)
        json_object_set_new(j, "category", json_string(cat));
    else if (code)
        ijwprob_add(err, c->msg->source, ijwxml_line(at),
                    "product category '%s' is not mapped and there is no "
                    "default category",
                    q);
    else
        ijwprob_add(err, c->msg->source, ijwxml_line(p),
                    "AangevraagdProduct has no Product/Categorie and there is "
                    "no default category");
    free(q);
    free(code);
}

/* Sets note from Client/Commentaar and AangevraagdProduct/Commentaar
 * (joined by a newline), cut to IJW_NOTE_MAX characters. */
static void s_set_note(const ijwclient_t *cl, xmlNodePtr p, json_t *j)
{
    char *pc = ijwxml_value(p, "Commentaar", NULL);
    const char *one = cl->comment ? cl->comment : pc ? pc : "";
    char *note =
        cl->comment && pc ? xasprintf("%s\n%s", cl->comment, pc) : xstrdup(one);
    note[ijwxml_utf8_prefix(note, IJW_NOTE_MAX)] = '\0';
    if (*note)
        json_object_set_new(j, "note", json_string(note));
    free(note);
    free(pc);
}

static void s_add_record(ijw_msg_t *msg, long line, json_t *json, char *error)
{
    if (msg->nrecords == msg->records_cap) {
        msg->records_cap = msg->records_cap ? 2 * msg->records_cap : 8;
        msg->records =
            xrealloc(msg->records, msg->records_cap * sizeof *msg->records);
    }
    if (error)
        json_decref(json);
    msg->records[msg->nrecords++] =
        (s_record_t){.json = error ? NULL : json, .line = line, .error = error};
}

/* Maps one AangevraagdProduct of client cl to a record. */
static void s_map_product(s_ctx_t *c, const ijwclient_t *cl, xmlNodePtr p)
{
    char *err = cl->error ? xstrdup(cl->error) : NULL;
    size_t idx = c->next++;
    json_t *j = json_object();
    char *id = ijwid_make(c->ids, p, idx, c->msg->source, &err);
    if (id)
        json_object_set_new(j, "external_id", json_string(id));
    free(id);
    json_object_set_new(j, "kind", json_string("verwijzing"));
    s_set_category(c, p, j, &err);
    json_t *subject = json_pack("{s:s}", "bsn", cl->bsn);
    if (cl->birth_date)
        json_object_set_new(subject, "birth_date", json_string(cl->birth_date));
    json_object_set_new(j, "subject", subject);
    s_set_contact(c, p, j, &err);
    json_object_set_new(j, "occurred_at", json_string(c->occurred_at));
    if (c->opts->with_note)
        s_set_note(cl, p, j);
    s_add_record(c->msg, ijwxml_line(p), j, err);
}

/* Maps every AangevraagdProduct of one Client; a Client without one
 * becomes one refused record at the Client's line. */
static void s_map_client(s_ctx_t *c, xmlNodePtr client)
{
    ijwclient_t cl;
    ijwclient_read(&cl, client, c->msg->source);
    xmlNodePtr list = ijwxml_child(client, "AangevraagdeProducten");
    xmlNodePtr p = ijwxml_child(list, "AangevraagdProduct");
    if (!p) {
        ijwprob_add(&cl.error, c->msg->source, ijwxml_line(client),
                    "Client has no AangevraagdProduct");
        s_add_record(c->msg, ijwxml_line(client), NULL, cl.error);
        cl.error = NULL;
    }
    for (; p; p = ijwxml_next(p->next, "AangevraagdProduct"))
        s_map_product(c, &cl, p);
    ijwclient_clear(&cl);
}

static void s_map_all(s_ctx_t *c)
{
    c->ids = ijwid_new(c->root, c->afzender, c->ident);
    xmlNodePtr k = ijwxml_child(c->root, "Client");
    if (!k)
        s_msg_error(c->msg, ijwxml_line(c->root), "Bericht has no Client");
    for (; k; k = ijwxml_next(k->next, "Client"))
        s_map_client(c, k);
}

/* ---- public ------------------------------------------------------- */

/* Takes a problem from ijwxml as one that refuses the message. */
static void s_on_xml_problem(void *data, long line, const char *text)
{
    s_msg_error(data, line, "%s", text);
}

/* Runs the steps; returns -1 when the options turn out unusable. */
static int s_run(s_ctx_t *c, const char *buf, size_t len)
{
    c->doc = ijwxml_read(buf, len, s_on_xml_problem, c->msg);
    if (!c->doc)
        return 0;
    ijw_type_t type = s_recognise(c);
    if (type == IJW_TYPE_UNKNOWN)
        return 0;
    c->msg->type = type;
    bool jw = type == IJW_TYPE_JW315;
    c->map = jw ? &c->opts->jw : &c->opts->wmo;
    const char *xsd = jw ? c->opts->jw315_xsd : c->opts->wmo315_xsd;
    if (xsd && ijwxml_validate(c->doc, xsd, s_on_xml_problem, c->msg) < 0)
        return -1;
    if (c->msg->nerrors == 0 && s_read_header(c) == 0)
        s_map_all(c);
    return 0;
}

ijw_msg_t *ijw_parse(const char *buf, size_t len, const char *source,
                     const ijw_options_t *opts)
{
    if (!opts || ((!opts->contact_email || !*opts->contact_email) &&
                  (!opts->contact_phone || !*opts->contact_phone))) {
        log_err("ijw: options name no contact_email or contact_phone");
        return NULL;
    }
    s_ctx_t c = {.opts = opts};
    c.msg = xcalloc(1, sizeof *c.msg);
    c.msg->source = xstrdup(source ? source : "message");
    int rc = s_run(&c, buf, len);
    if (c.msg->dropped)
        s_push_error(c.msg, 0,
                     xasprintf("%zu more problems not listed", c.msg->dropped));
    xmlFreeDoc(c.doc);
    ijwid_destroy(&c.ids);
    free(c.afzender);
    free(c.ident);
    free(c.occurred_at);
    if (rc < 0)
        ijw_destroy(&c.msg);
    return c.msg;
}

void ijw_destroy(ijw_msg_t **p)
{
    if (!p || !*p)
        return;
    ijw_msg_t *msg = *p;
    for (size_t i = 0; i < msg->nerrors; i++)
        free(msg->errors[i].text);
    for (size_t i = 0; i < msg->nrecords; i++) {
        json_decref(msg->records[i].json);
        free(msg->records[i].error);
    }
    free(msg->errors);
    free(msg->records);
    free(msg->source);
    free(msg);
    *p = NULL;
}

ijw_type_t ijw_type(const ijw_msg_t *msg)
{
    return msg->type;
}

size_t ijw_error_count(const ijw_msg_t *msg)
{
    return msg->nerrors;
}

const char *ijw_error_text(const ijw_msg_t *msg, size_t i)
{
    assert(i < msg->nerrors);
    return msg->errors[i].text;
}

long ijw_error_line(const ijw_msg_t *msg, size_t i)
{
    assert(i < msg->nerrors);
    return msg->errors[i].line;
}

size_t ijw_count(const ijw_msg_t *msg)
{
    return msg->nerrors ? 0 : msg->nrecords;
}

size_t ijw_mapped_count(const ijw_msg_t *msg)
{
    size_t n = 0;
    for (size_t i = 0; i < ijw_count(msg); i++)
        n += msg->records[i].json != NULL;
    return n;
}

json_t *ijw_record_json(const ijw_msg_t *msg, size_t i)
{
    assert(i < ijw_count(msg));
    return msg->records[i].json;
}

long ijw_record_line(const ijw_msg_t *msg, size_t i)
{
    assert(i < ijw_count(msg));
    return msg->records[i].line;
}

const char *ijw_record_error(const ijw_msg_t *msg, size_t i)
{
    assert(i < ijw_count(msg));
    return msg->records[i].error;
}

char *ijw_report(const ijw_msg_t *msg)
{
    size_t len = 0;
    for (size_t i = 0; i < msg->nerrors; i++)
        len += strlen(msg->errors[i].text) + 1;
    for (size_t i = 0; i < ijw_count(msg); i++)
        if (msg->records[i].error)
            len += strlen(msg->records[i].error) + 1;
    if (len == 0)
        return NULL;
    char *out = xmalloc(len + 1), *w = out;
    for (size_t i = 0; i < msg->nerrors; i++)
        w += sprintf(w, "%s\n", msg->errors[i].text);
    for (size_t i = 0; i < ijw_count(msg); i++)
        if (msg->records[i].error)
            w += sprintf(w, "%s\n", msg->records[i].error);
    *w = '\0';
    return out;
}

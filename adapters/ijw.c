/*
 * ijw — JW315 / WMO315 (release 3.2) to RRP REFERRAL bodies; see ijw.h.
 *
 * Owns the parsed message and its records; keeps no state between calls.
 * The mapping rules, and why, are in tests/data/ijw/README; in short:
 * external_id "<Afzender>-<Identificatie>-<ReferentieAanbieder>" (plus
 * "#<n>" when a reference repeats, shortened with a hash past 128
 * characters); occurred_at the Dagtekening at 00:00 Europe/Amsterdam;
 * contact.name the Verwijzer, email/phone the provider's from the options.
 */
#include "ijw.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ijwxml.h"
#include "log.h"
#include "xmem.h"

#define S_NS_BASE "http://www.istandaarden.nl/"
#define S_NS_JW315 S_NS_BASE "ijw/3_2/jw315/schema"
#define S_NS_WMO315 S_NS_BASE "iwmo/3_2/wmo315/schema"
#define S_MAX_ERRORS 100 /* message problems kept; the rest are counted */
#define S_ID_KEEP 95     /* characters kept of an over-long external_id */
#define S_HASH_LEN 16    /* BLAKE2b bytes after them, as 32 hex digits */

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
    char **refs;       /* ReferentieAanbieder per product (NULL: none) */
    size_t nrefs;
    size_t next; /* index in refs of the next product to map */
} s_ctx_t;

/* What a client's products share. */
typedef struct {
    xmlNodePtr node;
    char bsn[10];     /* 9 digits, zero-padded; valid when error is NULL */
    char *birth_date; /* NULL: not sent */
    char *comment;    /* Client/Commentaar or NULL */
    char *error;      /* the client's problems or NULL */
} s_client_t;

static const struct {
    const char *code;
    const char *label;
} s_cod327[] = {
    {"01", "gemeente"},
    {"02", "huisarts"},
    {"03", "jeugdarts"},
    {"04", "gecertificeerde instelling"},
    {"05", "medisch specialist"},
    {"06", "zelfverwijzer/geen verwijzer"},
    {"08", "rechter/OvJ/functionaris JJI"},
};

/* ---- strings ---------------------------------------------------------- */

static char *s_vfmt(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
static char *s_vfmt(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        n = 0;
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* Returns whether s holds no control character (C0, DEL or C1). */
static bool s_printable(const char *s)
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

/* ---- problems ------------------------------------------------------- */

/* Returns "source:line: text" ("source: text" without a line). */
static char *s_locate(const char *source, long line, const char *text)
{
    if (line > 0)
        return xasprintf("%s:%ld: %s", source, line, text);
    return xasprintf("%s: %s", source, text);
}

/* Appends a message problem; takes text. */
static void s_push_error(ijw_msg_t *msg, long line, char *text)
{
    if (msg->nerrors == msg->errors_cap) {
        msg->errors_cap = msg->errors_cap ? 2 * msg->errors_cap : 8;
        msg->errors =
            xrealloc(msg->errors, msg->errors_cap * sizeof *msg->errors);
    }
    msg->errors[msg->nerrors].text = s_locate(msg->source, line, text);
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
    s_push_error(msg, line, s_vfmt(fmt, ap));
    va_end(ap);
}

/* Appends a problem to *err (a newline-separated list, or NULL). */
__attribute__((format(printf, 4, 5))) static void
s_problem(char **err, const char *source, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = s_vfmt(fmt, ap);
    va_end(ap);
    char *one = s_locate(source, line, text);
    char *all = *err ? xasprintf("%s\n%s", *err, one) : one;
    if (*err)
        free(one);
    free(*err);
    free(text);
    *err = all;
}

/* ---- the tree ---------------------------------------------------------- */

/* "is empty" for an element that is there, "is missing" otherwise. */
static const char *s_absent(xmlNodePtr at)
{
    return at ? "is empty" : "is missing";
}

/* ---- dates and numbers ------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long s_days(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Returns whether s is a calendar date YYYY-MM-DD; fills y, m, d. */
static bool s_date(const char *s, long *y, long *m, long *d)
{
    static const int dim[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2 ||
        strspn(s + 8, "0123456789") != 2)
        return false;
    *y = strtol(s, NULL, 10);
    *m = strtol(s + 5, NULL, 10);
    *d = strtol(s + 8, NULL, 10);
    bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > dim[*m - 1])
        return false;
    return *m != 2 || *d < 29 || leap;
}

/* Returns the day number of the last Sunday of month m (of 31 days). */
static long s_last_sunday(long y, long m)
{
    long day = s_days(y, m, 31);
    long wd = ((day + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
    return day - wd;
}

/* Returns date (valid) at 00:00 in Europe/Amsterdam as RFC 3339: summer
 * time (+02:00) runs from the last Sunday of March 02:00 to the last
 * Sunday of October 03:00, so midnight is summer time strictly after the
 * first and up to and including the second (EU rule since 1996). */
static char *s_midnight_amsterdam(const char *date)
{
    long y, m, d;
    s_date(date, &y, &m, &d);
    long day = s_days(y, m, d);
    bool summer = day > s_last_sunday(y, 3) && day <= s_last_sunday(y, 10);
    return xasprintf("%sT00:00:00%s", date, summer ? "+02:00" : "+01:00");
}

/* The elfproef on 9 digits: weights 9..2 and -1, sum divisible by 11. */
static bool s_elfproef(const char *d)
{
    long sum = -(long)(d[8] - '0');
    for (int i = 0; i < 8; i++)
        sum += (long)(d[i] - '0') * (9 - i);
    return sum % 11 == 0;
}

/* Pads raw (1 to 9 digits) with zeros to 9 in out and checks it. Returns
 * NULL when valid, else why not (never quoting the number). */
static const char *s_bsn(const char *raw, char out[10])
{
    size_t n = strlen(raw);
    if (n == 0 || n > 9 || strspn(raw, "0123456789") != n)
        return "is not a number of 1 to 9 digits";
    memset(out, '0', 9 - n);
    memcpy(out + 9 - n, raw, n + 1);
    if (strspn(out, "0") == 9)
        return "is all zeros";
    if (!s_elfproef(out))
        return "fails the elfproef";
    return NULL;
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
                    s_absent(at));
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
                    name, s_absent(at));
    else if (!s_printable(v))
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
    long y, m, d;
    c->afzender = s_header_value(c, hdr, "Header", "Afzender");
    if (!bi) {
        s_msg_error(c->msg, ijwxml_line(hdr), "%s is missing", bip);
        return -1;
    }
    c->ident = s_header_value(c, bi, bip, "Identificatie");
    char *date = ijwxml_value(bi, "Dagtekening", &at);
    if (!date)
        s_msg_error(c->msg, ijwxml_line(at ? at : bi), "%s/Dagtekening %s", bip,
                    s_absent(at));
    else if (!s_date(date, &y, &m, &d))
        s_msg_error(c->msg, ijwxml_line(at),
                    "%s/Dagtekening is not a date (YYYY-MM-DD)", bip);
    else
        c->occurred_at = s_midnight_amsterdam(date);
    free(date);
    return c->afzender && c->ident && c->occurred_at ? 0 : -1;
}

/* ---- one client ------------------------------------------------------ */

static void s_read_bsn(s_ctx_t *c, s_client_t *cl)
{
    xmlNodePtr at;
    char *raw = ijwxml_value(cl->node, "Bsn", &at);
    const char *why = raw ? s_bsn(raw, cl->bsn) : NULL;
    if (!raw)
        s_problem(&cl->error, c->msg->source, ijwxml_line(at ? at : cl->node),
                  "Client/Bsn %s", s_absent(at));
    else if (why)
        s_problem(&cl->error, c->msg->source, ijwxml_line(at), "Client/Bsn %s",
                  why);
    free(raw);
}

/* Reads Geboortedatum: sent only when DatumGebruik is absent or 1 (the
 * whole date known); with 2 or 3 day or month are placeholders, so the
 * optional birth_date is left out rather than sent wrong. A client
 * without Geboortedatum maps without birth_date (the XSD requires it). */
static void s_read_birth(s_ctx_t *c, s_client_t *cl)
{
    xmlNodePtr g = ijwxml_child(cl->node, "Geboortedatum"), at, uat;
    long y, m, d;
    if (!g)
        return;
    char *date = ijwxml_value(g, "Datum", &at);
    char *use = ijwxml_value(g, "DatumGebruik", &uat);
    if (!date) {
        s_problem(&cl->error, c->msg->source, ijwxml_line(at ? at : g),
                  "Client/Geboortedatum/Datum %s", s_absent(at));
    } else if (!s_date(date, &y, &m, &d)) {
        s_problem(&cl->error, c->msg->source, ijwxml_line(at),
                  "Client/Geboortedatum/Datum is not a date (YYYY-MM-DD)");
    } else if (use && strcmp(use, "1") && strcmp(use, "2") &&
               strcmp(use, "3")) {
        char *q = ijwxml_quote(use);
        s_problem(&cl->error, c->msg->source, ijwxml_line(uat),
                  "Client/Geboortedatum/DatumGebruik '%s' is not a "
                  "COD170 code",
                  q);
        free(q);
    } else if (!use || !strcmp(use, "1")) {
        cl->birth_date = date;
        date = NULL;
    }
    free(date);
    free(use);
}

/* Returns the referrer as contact.name: Verwijzer/Naam, else the COD327
 * label and the ZorgverlenerCode, else the label; cut to
 * IJW_CONTACT_NAME_MAX characters. NULL after a problem (a control
 * character, which the daemon refuses: a Naam over two lines). */
static char *s_referrer(s_ctx_t *c, xmlNodePtr p, char **err)
{
    xmlNodePtr v = ijwxml_child(p, "Verwijzer"), at;
    const char *label = NULL;
    if (!v) {
        s_problem(err, c->msg->source, ijwxml_line(p),
                  "AangevraagdProduct/Verwijzer is missing");
        return NULL;
    }
    char *type = ijwxml_value(v, "Type", &at);
    for (size_t i = 0; type && i < sizeof s_cod327 / sizeof *s_cod327; i++)
        if (!strcmp(type, s_cod327[i].code))
            label = s_cod327[i].label;
    char *q = type ? ijwxml_quote(type) : NULL;
    if (!type)
        s_problem(err, c->msg->source, ijwxml_line(at ? at : v),
                  "Verwijzer/Type %s", s_absent(at));
    else if (!label)
        s_problem(err, c->msg->source, ijwxml_line(at),
                  "Verwijzer/Type '%s' is not a COD327 code", q);
    free(q);
    free(type);
    if (!label)
        return NULL;
    char *naam = ijwxml_value(v, "Naam", &at);
    char *agb = naam ? NULL : ijwxml_value(v, "ZorgverlenerCode", &at);
    if (!s_printable(naam ? naam : agb ? agb : "")) {
        s_problem(err, c->msg->source, ijwxml_line(at),
                  "Verwijzer/%s has a control character",
                  naam ? "Naam" : "ZorgverlenerCode");
        free(naam);
        free(agb);
        return NULL;
    }
    char *name = naam  ? naam
                 : agb ? xasprintf("%s %s", label, agb)
                       : xstrdup(label);
    free(agb);
    name[ijwxml_utf8_prefix(name, IJW_CONTACT_NAME_MAX)] = '\0';
    return name;
}

static void s_set_contact(s_ctx_t *c, xmlNodePtr p, json_t *j, char **err)
{
    char *name = s_referrer(c, p, err);
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
        s_problem(err, c->msg->source, ijwxml_line(at),
                  "product category '%s' is not mapped and there is no "
                  "default category",
                  q);
    else
        s_problem(err, c->msg->source, ijwxml_line(p),
                  "AangevraagdProduct has no Product/Categorie and there is "
                  "no default category");
    free(q);
    free(code);
}

/* Returns whether refs[idx] occurs more than once in the message. */
static bool s_ref_repeats(const s_ctx_t *c, size_t idx)
{
    for (size_t i = 0; i < c->nrefs; i++)
        if (i != idx && c->refs[i] && !strcmp(c->refs[i], c->refs[idx]))
            return true;
    return false;
}

/* Returns id, or when longer than IJW_EXTERNAL_ID_MAX characters its
 * first S_ID_KEEP, "~" and 32 hex digits of BLAKE2b-128 of all of it:
 * stable for the same input, and 128 characters. Frees id. */
static char *s_fit_id(char *id)
{
    if (ijwxml_utf8_len(id) <= IJW_EXTERNAL_ID_MAX)
        return id;
    unsigned char hash[S_HASH_LEN];
    char hex[2 * S_HASH_LEN + 1];
    if (sodium_init() < 0)
        log_warn("ijw: sodium_init failed; hashing with defaults");
    crypto_generichash(hash, sizeof hash, (const unsigned char *)id, strlen(id),
                       NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    char *fit =
        xasprintf("%.*s~%s", (int)ijwxml_utf8_prefix(id, S_ID_KEEP), id, hex);
    free(id);
    return fit;
}

/* Sets external_id "<Afzender>-<Identificatie>-<ReferentieAanbieder>",
 * with "#<n>" (n: the product's place in the message, from 1) when the
 * reference occurs more than once in the message. */
static void s_set_external_id(s_ctx_t *c, xmlNodePtr p, size_t idx, json_t *j,
                              char **err)
{
    xmlNodePtr at;
    char *ref = ijwxml_value(p, "ReferentieAanbieder", &at);
    if (!ref)
        s_problem(err, c->msg->source, ijwxml_line(at ? at : p),
                  "AangevraagdProduct/ReferentieAanbieder %s", s_absent(at));
    else if (!s_printable(ref))
        s_problem(err, c->msg->source, ijwxml_line(at),
                  "AangevraagdProduct/ReferentieAanbieder has a control "
                  "character");
    if (!ref || !s_printable(ref)) {
        free(ref);
        return;
    }
    char *id =
        s_ref_repeats(c, idx)
            ? xasprintf("%s-%s-%s#%zu", c->afzender, c->ident, ref, idx + 1)
            : xasprintf("%s-%s-%s", c->afzender, c->ident, ref);
    id = s_fit_id(id);
    json_object_set_new(j, "external_id", json_string(id));
    free(id);
    free(ref);
}

/* Sets note from Client/Commentaar and AangevraagdProduct/Commentaar
 * (joined by a newline), cut to IJW_NOTE_MAX characters. */
static void s_set_note(const s_client_t *cl, xmlNodePtr p, json_t *j)
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
static void s_map_product(s_ctx_t *c, const s_client_t *cl, xmlNodePtr p)
{
    char *err = cl->error ? xstrdup(cl->error) : NULL;
    size_t idx = c->next++;
    json_t *j = json_object();
    s_set_external_id(c, p, idx, j, &err);
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
    s_client_t cl = {.node = client};
    s_read_bsn(c, &cl);
    s_read_birth(c, &cl);
    cl.comment = ijwxml_value(client, "Commentaar", NULL);
    xmlNodePtr list = ijwxml_child(client, "AangevraagdeProducten");
    xmlNodePtr p = ijwxml_child(list, "AangevraagdProduct");
    if (!p) {
        s_problem(&cl.error, c->msg->source, ijwxml_line(client),
                  "Client has no AangevraagdProduct");
        s_add_record(c->msg, ijwxml_line(client), NULL, cl.error);
        cl.error = NULL;
    }
    for (; p; p = ijwxml_next(p->next, "AangevraagdProduct"))
        s_map_product(c, &cl, p);
    free(cl.birth_date);
    free(cl.comment);
    free(cl.error);
}

/* Collects every ReferentieAanbieder in document order, so a repeated
 * one can be told apart. */
static void s_collect_refs(s_ctx_t *c)
{
    xmlNodePtr k, p;
    for (int pass = 0; pass < 2; pass++) {
        size_t n = 0;
        for (k = ijwxml_child(c->root, "Client"); k;
             k = ijwxml_next(k->next, "Client"))
            for (p = ijwxml_child(ijwxml_child(k, "AangevraagdeProducten"),
                                  "AangevraagdProduct");
                 p; p = ijwxml_next(p->next, "AangevraagdProduct"), n++)
                if (pass)
                    c->refs[n] = ijwxml_value(p, "ReferentieAanbieder", NULL);
        if (!pass)
            c->refs = xcalloc(n ? n : 1, sizeof *c->refs);
        c->nrefs = n;
    }
}

static void s_map_all(s_ctx_t *c)
{
    s_collect_refs(c);
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
    for (size_t i = 0; i < c.nrefs; i++)
        free(c.refs[i]);
    free(c.refs);
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

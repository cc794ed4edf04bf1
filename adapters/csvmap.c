/*
 * csvmap — CSV rows to REFERRAL bodies (see csvmap.h). Loading checks the
 * whole mapping against the list of RRP fields below; reading resolves
 * the header of each file (columns may move between exports), then maps
 * row by row: constants first, then each column through its value table
 * or its conversion (csvval), then the external_id.
 */
#include "csvmap.h"

#include "csv.h"
#include "csvval.h"
#include "xmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_HASH_BYTES 16 /* BLAKE2b-128 of a row: 32 hex digits */

typedef enum {
    S_TEXT,    /* as written, trimmed */
    S_KIND,    /* one of the RRP kinds */
    S_URGENCY, /* one of the RRP urgencies */
    S_BSN,     /* csvval_bsn */
    S_DATE,    /* csvval_date by date_format */
    S_DATETIME /* csvval_datetime by datetime_format */
} s_type_t;

enum {
    S_REQUIRED = 1, /* a referral needs it */
    S_REPEAT = 2,   /* several columns may give it */
    S_CONSTANT = 4  /* may be a constant */
};

/* An RRP field a column or a constant can fill. */
typedef struct {
    const char *name;    /* in the configuration */
    const char *pointer; /* in the body, for errors */
    s_type_t type;
    unsigned flags;
} s_field_t;

static const s_field_t s_fields[] = {
    {"external_id", "/external_id", S_TEXT, 0},
    {"kind", "/kind", S_KIND, S_REQUIRED | S_CONSTANT},
    {"category", "/category", S_TEXT, S_REQUIRED | S_CONSTANT},
    {"urgency", "/urgency", S_URGENCY, S_CONSTANT},
    {"subject.bsn", "/subject/bsn", S_BSN, S_REQUIRED},
    {"subject.birth_date", "/subject/birth_date", S_DATE, 0},
    {"household", "/household", S_BSN, S_REPEAT},
    {"postcode", "/postcode", S_TEXT, S_CONSTANT},
    {"contact.name", "/contact/name", S_TEXT, S_REQUIRED | S_CONSTANT},
    {"contact.email", "/contact/email", S_TEXT, S_CONSTANT},
    {"contact.phone", "/contact/phone", S_TEXT, S_CONSTANT},
    {"occurred_at", "/occurred_at", S_DATETIME, 0},
    {"note", "/note", S_TEXT, S_REPEAT | S_CONSTANT},
};
#define S_NFIELDS (sizeof s_fields / sizeof *s_fields)

static const char *const s_kinds[] = {"melding", "verwijzing", "aanmelding",
                                      "signaal", NULL};
static const char *const s_urgencies[] = {"normaal", "urgent", "crisis", NULL};

/* One mapped column. */
typedef struct {
    const s_field_t *field;
    char *name;        /* the header's name for it, or NULL */
    int number;        /* else its place, from 1 */
    char *format;      /* S_DATE, S_DATETIME: the format to read */
    char **from, **to; /* the value table: export value -> RRP value */
    size_t nvalues;
    char *dflt; /* for an empty cell or a value not in the table */
} s_column_t;

/* One constant field. */
typedef struct {
    const s_field_t *field;
    char *value;
} s_constant_t;

struct csvmap {
    char delim;              /* the field delimiter */
    bool header;             /* the first row names the columns */
    bool cp1252;             /* the export is Windows-1252, not UTF-8 */
    char *id_prefix;         /* before every external_id */
    s_constant_t *constants; /* set on every row */
    size_t nconstants;
    s_column_t *columns; /* in the configuration's order */
    size_t ncolumns;
};

/* The state of one load. */
typedef struct {
    acfg_t *cfg;
    csvmap_t *map;
    const char *date_format;
    const char *datetime_format;
    int used[S_NFIELDS]; /* config line of the column or constant */
} s_load_t;

static const s_field_t *s_field(const char *name)
{
    for (size_t i = 0; i < S_NFIELDS; i++)
        if (strcmp(s_fields[i].name, name) == 0)
            return &s_fields[i];
    return NULL;
}

static bool s_in(const char *const *list, const char *v)
{
    for (; *list; list++)
        if (strcmp(*list, v) == 0)
            return true;
    return false;
}

/* Checks that v can be the value of field f (kinds and urgencies). */
static void s_check_value(s_load_t *ld, const config_setting_t *at,
                          const s_field_t *f, const char *v)
{
    if (f->type == S_KIND && !s_in(s_kinds, v))
        acfg_error(ld->cfg, at,
                   "'%s' is not a kind (melding, verwijzing, "
                   "aanmelding or signaal)",
                   v);
    if (f->type == S_URGENCY && !s_in(s_urgencies, v))
        acfg_error(ld->cfg, at,
                   "'%s' is not an urgency (normaal, urgent "
                   "or crisis)",
                   v);
}

/* Marks field f as given at setting at; false (after an error) when it
 * was given before and may not repeat. */
static bool s_use(s_load_t *ld, const config_setting_t *at, const s_field_t *f)
{
    size_t i = (size_t)(f - s_fields);
    if (ld->used[i] && !(f->flags & S_REPEAT)) {
        acfg_error(ld->cfg, at, "field '%s' is already given at line %d",
                   f->name, ld->used[i]);
        return false;
    }
    ld->used[i] = (int)config_setting_source_line(at);
    return true;
}

/* Adds constant field name = the string of setting s. */
static void s_constant(s_load_t *ld, const config_setting_t *s,
                       const char *name)
{
    const s_field_t *f = s_field(name);
    const char *v = config_setting_get_string(s);
    if (!f || !(f->flags & S_CONSTANT)) {
        acfg_error(ld->cfg, s,
                   "'%s' cannot be a constant (kind, category, "
                   "urgency, postcode, contact.name, contact.email, "
                   "contact.phone, note)",
                   name);
        return;
    }
    if (!v || !*v) {
        acfg_error(ld->cfg, s, "constant '%s' must be a string, not empty",
                   name);
        return;
    }
    s_check_value(ld, s, f, v);
    if (!s_use(ld, s, f))
        return;
    csvmap_t *m = ld->map;
    m->constants =
        xrealloc(m->constants, (m->nconstants + 1) * sizeof *m->constants);
    m->constants[m->nconstants++] = (s_constant_t){f, xstrdup(v)};
}

/* Reads group "constants": fields, and a group "contact". */
static void s_constants(s_load_t *ld, const config_setting_t *csv)
{
    const config_setting_t *g = acfg_group(ld->cfg, csv, "constants", false);
    int n = g ? config_setting_length(g) : 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "contact") != 0 || !config_setting_is_group(s)) {
            s_constant(ld, s, name);
            continue;
        }
        int k = config_setting_length(s);
        for (int j = 0; j < k; j++) {
            const config_setting_t *c = config_setting_get_elem(s, (unsigned)j);
            char *full = xasprintf("contact.%s", config_setting_name(c));
            s_constant(ld, c, full);
            free(full);
        }
    }
}

/* Reads the value table of column entry e into c. */
static void s_values(s_load_t *ld, const config_setting_t *e, s_column_t *c)
{
    const config_setting_t *v = config_setting_get_member(e, "values");
    if (!v)
        return;
    if (c->field->type != S_TEXT && c->field->type != S_KIND &&
        c->field->type != S_URGENCY) {
        acfg_error(ld->cfg, v, "'values' cannot be used for '%s'",
                   c->field->name);
        return;
    }
    int n = config_setting_is_list(v) ? config_setting_length(v) : -1;
    for (int i = 0; i < n; i++) {
        const config_setting_t *p = config_setting_get_elem(v, (unsigned)i);
        const char *from = config_setting_get_string_elem(p, 0);
        const char *to = config_setting_get_string_elem(p, 1);
        if (!config_setting_is_array(p) || config_setting_length(p) != 2 ||
            !from || !to || !*to) {
            n = -1;
            break;
        }
        s_check_value(ld, p, c->field, to);
        c->from = xrealloc(c->from, (c->nvalues + 1) * sizeof *c->from);
        c->to = xrealloc(c->to, (c->nvalues + 1) * sizeof *c->to);
        c->from[c->nvalues] = csvval_trim(from);
        c->to[c->nvalues++] = xstrdup(to);
    }
    if (n < 0)
        acfg_error(ld->cfg, v,
                   "'values' must be a list of pairs, like "
                   "( [ \"export value\", \"RRP value\" ], ... )");
}

/* Reads "column" of entry e: a header name or a number from 1. */
static void s_column_ref(s_load_t *ld, const config_setting_t *e, s_column_t *c)
{
    const config_setting_t *s = config_setting_get_member(e, "column");
    int type = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
    if (!s) {
        acfg_error(ld->cfg, e, "missing setting 'column'");
    } else if (type == CONFIG_TYPE_STRING && ld->map->header) {
        c->name = csvval_trim(config_setting_get_string(s));
        if (!*c->name)
            acfg_error(ld->cfg, s, "'column' must not be empty");
    } else if (type == CONFIG_TYPE_INT && config_setting_get_int(s) >= 1) {
        c->number = config_setting_get_int(s);
    } else {
        acfg_error(ld->cfg, s,
                   "'column' must be %s a number from 1 (the "
                   "first column)",
                   ld->map->header ? "a header name or" : "(header = false)");
    }
}

/* Reads "format" and "default" of entry e into c. */
static void s_column_extra(s_load_t *ld, const config_setting_t *e,
                           s_column_t *c)
{
    s_type_t t = c->field->type;
    const char *fmt = acfg_string(ld->cfg, e, "format", false);
    char err[256];
    if (fmt && t != S_DATE && t != S_DATETIME)
        acfg_error(ld->cfg, config_setting_get_member(e, "format"),
                   "'format' is only for subject.birth_date and "
                   "occurred_at");
    else if (fmt &&
             csvval_format_check(fmt, t == S_DATETIME, err, sizeof err) < 0)
        acfg_error(ld->cfg, config_setting_get_member(e, "format"), "%s", err);
    const char *dflt = acfg_string(ld->cfg, e, "default", false);
    const config_setting_t *ds = config_setting_get_member(e, "default");
    if (dflt && (t == S_BSN || t == S_DATE || t == S_DATETIME ||
                 strcmp(c->field->name, "external_id") == 0))
        acfg_error(ld->cfg, ds, "'default' cannot be used for '%s'",
                   c->field->name);
    else if (dflt)
        s_check_value(ld, ds, c->field, dflt);
    c->dflt = dflt ? xstrdup(dflt) : NULL;
    const char *use = fmt           ? fmt
                      : t == S_DATE ? ld->date_format
                                    : ld->datetime_format;
    c->format = xstrdup(use);
}

/* Reads one entry of "columns". */
static void s_column(s_load_t *ld, const config_setting_t *e)
{
    static const char *const known[] = {"column", "field",   "format",
                                        "values", "default", NULL};
    if (!config_setting_is_group(e)) {
        acfg_error(ld->cfg, e,
                   "each entry of 'columns' must be a group, "
                   "like { column = \"BSN\"; field = \"subject.bsn\"; }");
        return;
    }
    acfg_check_known(ld->cfg, e, known);
    const char *fname = acfg_string(ld->cfg, e, "field", true);
    const s_field_t *f = fname ? s_field(fname) : NULL;
    if (fname && !f)
        acfg_error(ld->cfg, config_setting_get_member(e, "field"),
                   "unknown field '%s' (one of external_id, kind, category, "
                   "urgency, subject.bsn, subject.birth_date, household, "
                   "postcode, contact.name, contact.email, contact.phone, "
                   "occurred_at, note)",
                   fname);
    if (!f || !s_use(ld, e, f))
        return;
    csvmap_t *m = ld->map;
    m->columns = xrealloc(m->columns, (m->ncolumns + 1) * sizeof *m->columns);
    s_column_t *c = &m->columns[m->ncolumns++];
    memset(c, 0, sizeof *c);
    c->field = f;
    s_column_ref(ld, e, c);
    s_values(ld, e, c);
    s_column_extra(ld, e, c);
}

/* Whether a column or a constant gives the field called name. */
static bool s_given(const s_load_t *ld, const char *name)
{
    return ld->used[s_field(name) - s_fields] != 0;
}

/* Checks that every required field has a column or a constant. */
static void s_check_required(s_load_t *ld, const config_setting_t *csv)
{
    for (size_t i = 0; i < S_NFIELDS; i++)
        if ((s_fields[i].flags & S_REQUIRED) && !ld->used[i])
            acfg_error(ld->cfg, csv, "no column or constant gives '%s'",
                       s_fields[i].name);
    if (!s_given(ld, "contact.email") && !s_given(ld, "contact.phone"))
        acfg_error(ld->cfg, csv,
                   "no column or constant gives "
                   "'contact.email' or 'contact.phone'");
}

/* Reads delimiter, header, encoding, formats and id_prefix. */
static void s_options(s_load_t *ld, const config_setting_t *csv)
{
    csvmap_t *m = ld->map;
    const char *d = acfg_string(ld->cfg, csv, "delimiter", false);
    if (d && (strlen(d) != 1 || strchr("\"\r\n", d[0])))
        acfg_error(ld->cfg, config_setting_get_member(csv, "delimiter"),
                   "'delimiter' must be one character, not a quote or a "
                   "line break (\",\", \";\", \"\\t\", \"|\")");
    m->delim = d && strlen(d) == 1 ? d[0] : ',';
    acfg_bool(ld->cfg, csv, "header", &m->header);
    const char *enc = acfg_string(ld->cfg, csv, "encoding", false);
    if (enc && strcasecmp(enc, "windows-1252") == 0)
        m->cp1252 = true;
    else if (enc && strcasecmp(enc, "utf-8") != 0)
        acfg_error(ld->cfg, config_setting_get_member(csv, "encoding"),
                   "'encoding' must be \"utf-8\" or \"windows-1252\"");
    const char *f;
    char err[256];
    if ((f = acfg_string(ld->cfg, csv, "date_format", false))) {
        ld->date_format = f;
        if (csvval_format_check(f, false, err, sizeof err) < 0)
            acfg_error(ld->cfg, config_setting_get_member(csv, "date_format"),
                       "%s", err);
    }
    if ((f = acfg_string(ld->cfg, csv, "datetime_format", false))) {
        ld->datetime_format = f;
        if (csvval_format_check(f, true, err, sizeof err) < 0)
            acfg_error(ld->cfg,
                       config_setting_get_member(csv, "datetime_format"), "%s",
                       err);
    }
    /* id_prefix may be "" (acfg_string refuses empty strings). */
    const config_setting_t *p = config_setting_get_member(csv, "id_prefix");
    f = p ? config_setting_get_string(p) : "";
    if (!f || strlen(f) > 32)
        acfg_error(ld->cfg, p,
                   "'id_prefix' must be a string of at most 32 "
                   "characters");
    m->id_prefix = xstrdup(f && strlen(f) <= 32 ? f : "");
}

/* Moves the external_id column first, so that a row refused for another
 * column is still named by its id in the report. */
static void s_id_first(csvmap_t *m)
{
    for (size_t i = 1; i < m->ncolumns; i++) {
        if (strcmp(m->columns[i].field->name, "external_id") != 0)
            continue;
        s_column_t id = m->columns[i];
        memmove(m->columns + 1, m->columns, i * sizeof *m->columns);
        m->columns[0] = id;
        return;
    }
}

csvmap_t *csvmap_load(acfg_t *cfg, const config_setting_t *csv)
{
    static const char *const known[] = {
        "delimiter", "header",    "encoding", "date_format", "datetime_format",
        "id_prefix", "constants", "columns",  NULL};
    int before = acfg_error_count(cfg);
    if (sodium_init() < 0) {
        acfg_error(cfg, csv, "cannot initialise libsodium");
        return NULL;
    }
    s_load_t ld = {
        .cfg = cfg, .date_format = "%Y-%m-%d", .datetime_format = "rfc3339"};
    ld.map = xcalloc(1, sizeof *ld.map);
    ld.map->header = true;
    acfg_check_known(cfg, csv, known);
    s_options(&ld, csv);
    s_constants(&ld, csv);
    const config_setting_t *cols = config_setting_get_member(csv, "columns");
    if (!cols)
        acfg_error(cfg, csv, "missing setting 'columns'");
    else if (!config_setting_is_list(cols) || !config_setting_length(cols))
        acfg_error(cfg, cols,
                   "'columns' must be a list of groups: "
                   "( { column = ...; field = ...; }, ... )");
    int n =
        cols && config_setting_is_list(cols) ? config_setting_length(cols) : 0;
    for (int i = 0; i < n; i++)
        s_column(&ld, config_setting_get_elem(cols, (unsigned)i));
    s_check_required(&ld, csv);
    s_id_first(ld.map);
    if (acfg_error_count(cfg) > before)
        csvmap_destroy(&ld.map);
    return ld.map;
}

void csvmap_destroy(csvmap_t **p)
{
    if (!p || !*p)
        return;
    csvmap_t *m = *p;
    for (size_t i = 0; i < m->nconstants; i++)
        free(m->constants[i].value);
    for (size_t i = 0; i < m->ncolumns; i++) {
        s_column_t *c = &m->columns[i];
        for (size_t k = 0; k < c->nvalues; k++) {
            free(c->from[k]);
            free(c->to[k]);
        }
        free(c->from);
        free(c->to);
        free(c->name);
        free(c->format);
        free(c->dflt);
    }
    free(m->constants);
    free(m->columns);
    free(m->id_prefix);
    free(m);
    *p = NULL;
}

/* ---- reading ---------------------------------------------------------- */

/* Sets field f of body to value (a household member is appended, a note
 * joined to the one before). */
static void s_set(const csvmap_t *m, json_t *body, const s_field_t *f,
                  const char *value)
{
    if (strcmp(f->name, "household") == 0) {
        json_t *h = json_object_get(body, "household");
        if (!h)
            json_object_set_new(body, "household", h = json_array());
        json_array_append_new(h, json_pack("{s:s}", "bsn", value));
        return;
    }
    const char *old = json_string_value(json_object_get(body, "note"));
    if (strcmp(f->name, "note") == 0 && old) {
        char *both = xasprintf("%s\n%s", old, value);
        json_object_set_new(body, "note", json_string(both));
        free(both);
        return;
    }
    if (strcmp(f->name, "external_id") == 0) {
        char *id = xasprintf("%s%s", m->id_prefix, value);
        json_object_set_new(body, "external_id", json_string(id));
        free(id);
        return;
    }
    const char *dot = strchr(f->name, '.');
    if (!dot) {
        json_object_set_new(body, f->name, json_string(value));
        return;
    }
    char *outer = xstrndup(f->name, (size_t)(dot - f->name));
    json_t *o = json_object_get(body, outer);
    if (!o)
        json_object_set_new(body, outer, o = json_object());
    json_object_set_new(o, dot + 1, json_string(value));
    free(outer);
}

/* The header's name of column c, or "column N", for messages. */
static char *s_colname(const s_column_t *c)
{
    return c->name ? xasprintf("column '%s'", c->name)
                   : xasprintf("column %d", c->number);
}

/* Looks cell up in c's value table; NULL when it is not there. */
static const char *s_lookup(const s_column_t *c, const char *cell)
{
    for (size_t i = 0; i < c->nvalues; i++)
        if (strcasecmp(c->from[i], cell) == 0)
            return c->to[i];
    return NULL;
}

/* Converts cell by c's type into buf (or *v). NULL, or why not. */
static char *s_convert(const s_column_t *c, const char *cell, const char **v,
                       char *buf)
{
    char *col = s_colname(c), *why = NULL;
    s_type_t t = c->field->type;
    if (t == S_BSN && csvval_bsn(cell, buf) < 0)
        why = xasprintf("%s does not hold a BSN (9 digits)", col);
    else if (t == S_DATE && csvval_date(cell, c->format, buf) < 0)
        why = xasprintf("%s: '%s' is not a date written as %s", col, cell,
                        c->format);
    else if (t == S_DATETIME && csvval_datetime(cell, c->format, buf) < 0)
        why = xasprintf("%s: '%s' is not a time written as %s", col, cell,
                        c->format);
    else if (t == S_BSN || t == S_DATE || t == S_DATETIME)
        *v = buf;
    free(col);
    return why;
}

/* Puts the cell of column c into body. Returns NULL, or why not. */
static char *s_apply(const csvmap_t *m, const s_column_t *c, const char *cell,
                     json_t *body)
{
    char buf[CSVVAL_DATETIME_MAX + 1];
    const char *v = cell;
    char *why = NULL;
    if (!*cell && !c->dflt) {
        if (c->field->flags & S_REQUIRED) {
            char *col = s_colname(c);
            why = xasprintf("%s is empty", col);
            free(col);
        }
        return why;
    }
    if (!*cell) {
        v = c->dflt;
    } else if (c->nvalues) {
        v = s_lookup(c, cell);
        v = v ? v : c->dflt;
        if (!v) {
            char *col = s_colname(c);
            why = xasprintf("%s: '%s' is not one of the values mapped", col,
                            cell);
            free(col);
        }
    } else {
        why = s_convert(c, cell, &v, buf);
    }
    if (!why)
        s_set(m, body, c->field, v);
    return why;
}

/* Sets the external_id of a row without an id column: the prefix and a
 * hash of the rest of the body (sorted keys, so always the same text). */
static void s_hash_id(const csvmap_t *m, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char h[S_HASH_BYTES];
    char hex[2 * S_HASH_BYTES + 1];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text),
                       NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    char *id = xasprintf("%s%s", m->id_prefix, hex);
    json_object_set_new(body, "external_id", json_string(id));
    free(id);
    free(text);
}

/* Maps one row (its cells at idx) into a record of batch. */
static void s_row(const csvmap_t *m, const int *idx, const csv_row_t *row,
                  batch_t *batch)
{
    json_t *body = json_object();
    for (size_t i = 0; i < m->nconstants; i++)
        s_set(m, body, m->constants[i].field, m->constants[i].value);
    char *why = NULL;
    const s_column_t *bad = NULL;
    for (size_t i = 0; i < m->ncolumns && !why; i++) {
        char *cell = csvval_trim(row->fields[idx[i]]);
        why = s_apply(m, &m->columns[i], cell, body);
        bad = &m->columns[i];
        free(cell);
    }
    json_t *contact = json_object_get(body, "contact");
    if (!why && !json_object_get(contact, "email") &&
        !json_object_get(contact, "phone")) {
        why = xstrdup("the row gives no contact email or phone");
        bad = NULL;
    }
    const char *id = json_string_value(json_object_get(body, "external_id"));
    if (why) {
        batch_refuse(batch, row->line, id, "invalid_field",
                     bad ? bad->field->pointer : "/contact", "%s", why);
    } else {
        if (!id)
            s_hash_id(m, body);
        batch_add(batch, row->line, body);
    }
    free(why);
    json_decref(body);
}

/* Whether every cell of row is empty (a spreadsheet's ";;;" line). */
static bool s_blank(const csv_row_t *row)
{
    for (size_t i = 0; i < row->n; i++)
        if (row->fields[i][strspn(row->fields[i], " \t")])
            return false;
    return true;
}

/* Finds the cell of each column in the header row hdr (names compared
 * trimmed, without case). Returns 0, or -1 after failing the batch. */
static int s_resolve(const csvmap_t *m, const csv_row_t *hdr, int *idx,
                     batch_t *batch)
{
    int rc = 0;
    for (size_t i = 0; i < m->ncolumns; i++) {
        const s_column_t *c = &m->columns[i];
        int found = 0;
        idx[i] = c->number - 1;
        for (size_t k = 0; c->name && k < hdr->n; k++) {
            char *h = csvval_trim(hdr->fields[k]);
            if (strcasecmp(h, c->name) == 0 && found++ == 0)
                idx[i] = (int)k;
            free(h);
        }
        if (c->name && found != 1) {
            batch_fail(batch, hdr->line, "bad_csv",
                       "column '%s' is %s the "
                       "header",
                       c->name, found ? "twice in" : "not in");
            rc = -1;
        } else if (!c->name && (size_t)idx[i] >= hdr->n) {
            batch_fail(batch, hdr->line, "bad_csv",
                       "column %d is mapped, "
                       "but the header has %zu",
                       c->number, hdr->n);
            rc = -1;
        }
    }
    return rc;
}

/* Checks the shape of a row: as many cells as the header (width) or, with
 * no header (width 0), at least need; UTF-8 text. NULL, or why not. */
static char *s_check_row(const csvmap_t *m, const csv_row_t *row, size_t width,
                         size_t need)
{
    if (width && row->n != width)
        return xasprintf("the row has %zu fields, the header %zu", row->n,
                         width);
    if (!width && row->n < need)
        return xasprintf("the row has %zu fields, and column %zu is mapped",
                         row->n, need);
    for (size_t i = 0; i < row->n; i++)
        if (!csvval_utf8(row->fields[i]))
            return xstrdup(m->cp1252 ? "the row is not valid text"
                                     : "the row is not UTF-8 text (for an "
                                       "export in Windows-1252, set "
                                       "encoding = \"windows-1252\")");
    return NULL;
}

/* Reads the header (when there is one) and resolves the columns. Returns
 * the width of a row (0 without header), or -1 when the file is done. */
static long s_header(const csvmap_t *m, csv_t *csv, int *idx, batch_t *batch)
{
    for (size_t i = 0; i < m->ncolumns; i++)
        idx[i] = m->columns[i].number - 1;
    if (!m->header)
        return 0;
    csv_row_t row;
    if (!csv_next(csv, &row))
        return -1; /* an empty file: no records */
    long width = (long)row.n;
    char *why =
        row.error[0] ? xstrdup(row.error) : s_check_row(m, &row, row.n, 0);
    if (why) {
        batch_fail(batch, row.line, "bad_csv", "the header: %s", why);
        width = -1;
    } else if (s_resolve(m, &row, idx, batch) < 0) {
        width = -1;
    }
    free(why);
    csv_row_clear(&row);
    return width;
}

void csvmap_read(const csvmap_t *m, const char *data, size_t len,
                 batch_t *batch)
{
    char *conv = NULL;
    if (m->cp1252)
        data = conv = csvval_from_cp1252(data, len, &len);
    csv_t *csv = csv_new(data, len, m->delim);
    int *idx = xcalloc(m->ncolumns, sizeof *idx);
    size_t need = 0;
    for (size_t i = 0; i < m->ncolumns; i++)
        if ((size_t)m->columns[i].number > need)
            need = (size_t)m->columns[i].number;
    long width = s_header(m, csv, idx, batch);
    csv_row_t row;
    while (width >= 0 && csv_next(csv, &row)) {
        bool blank = !row.error[0] && s_blank(&row);
        char *why = row.error[0] ? xstrdup(row.error)
                    : blank      ? NULL
                                 : s_check_row(m, &row, (size_t)width, need);
        if (why)
            batch_refuse(batch, row.line, NULL, "bad_csv", NULL, "%s", why);
        else if (!blank)
            s_row(m, idx, &row, batch);
        free(why);
        csv_row_clear(&row);
    }
    free(idx);
    csv_destroy(&csv);
    free(conv);
}

/*
 * csvmap — CSV rows to REFERRAL bodies (see csvmap.h). Loading reads the
 * options, the constants and one csvrule per column, each field checked
 * against csvfield's table; reading resolves the header of each file
 * (columns may move between exports), then maps row by row: constants
 * first, then each column through its rule, then the external_id.
 */
#include "csvmap.h"

#include "csv.h"
#include "csvfield.h"
#include "csvrule.h"
#include "csvval.h"
#include "xmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_HASH_BYTES 16 /* BLAKE2b-128 of a row: 32 hex digits */

/* One constant field. */
typedef struct {
    const csvfield_t *field;
    char *value;
} s_constant_t;

struct csvmap {
    char delim;              /* the field delimiter */
    bool header;             /* the first row names the columns */
    bool cp1252;             /* the export is Windows-1252, not UTF-8 */
    char *id_prefix;         /* before every external_id */
    s_constant_t *constants; /* set on every row */
    size_t nconstants;
    csvrule_t *columns; /* in the configuration's order */
    size_t ncolumns;
};

/* The state of one load. */
typedef struct {
    acfg_t *cfg;
    csvmap_t *map;
    const char *date_format;
    const char *datetime_format;
    int used[CSVFIELD_COUNT]; /* config line of the column or constant */
} s_load_t;

/* Marks field f as given at setting at; false (after an error) when it
 * was given before and may not repeat. */
static bool s_use(s_load_t *ld, const config_setting_t *at, const csvfield_t *f)
{
    size_t i = csvfield_index(f);
    if (ld->used[i] && !(f->flags & CSVFIELD_REPEAT)) {
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
    const csvfield_t *f = csvfield_find(name);
    const char *v = config_setting_get_string(s);
    char why[512];
    if (!f || !(f->flags & CSVFIELD_CONSTANT)) {
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
    if (!csvfield_check(f, v, why, sizeof why))
        acfg_error(ld->cfg, s, "%s", why);
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
    const csvfield_t *f = fname ? csvfield_find(fname) : NULL;
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
    csvrule_defaults_t d = {m->header, ld->date_format, ld->datetime_format};
    csvrule_load(&m->columns[m->ncolumns++], ld->cfg, e, f, &d);
}

/* Whether a column or a constant gives the field called name. */
static bool s_given(const s_load_t *ld, const char *name)
{
    return ld->used[csvfield_index(csvfield_find(name))] != 0;
}

/* Checks that every required field has a column or a constant. */
static void s_check_required(s_load_t *ld, const config_setting_t *csv)
{
    for (size_t i = 0; i < CSVFIELD_COUNT; i++)
        if ((csvfield_at(i)->flags & CSVFIELD_REQUIRED) && !ld->used[i])
            acfg_error(ld->cfg, csv, "no column or constant gives '%s'",
                       csvfield_at(i)->name);
    if (!s_given(ld, "contact.email") && !s_given(ld, "contact.phone"))
        acfg_error(ld->cfg, csv,
                   "no column or constant gives "
                   "'contact.email' or 'contact.phone'");
}

/* Reads date_format and datetime_format (checked) into ld. */
static void s_formats(s_load_t *ld, const config_setting_t *csv)
{
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
    s_formats(ld, csv);
    /* id_prefix may be "" (acfg_string refuses empty strings). */
    const config_setting_t *p = config_setting_get_member(csv, "id_prefix");
    const char *f = p ? config_setting_get_string(p) : "";
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
        csvrule_t id = m->columns[i];
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
    for (size_t i = 0; i < m->ncolumns; i++)
        csvrule_clear(&m->columns[i]);
    free(m->constants);
    free(m->columns);
    free(m->id_prefix);
    free(m);
    *p = NULL;
}

/* ---- reading ---------------------------------------------------------- */

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
        csvfield_set(body, m->constants[i].field, m->constants[i].value,
                     m->id_prefix);
    char *why = NULL;
    const csvrule_t *bad = NULL;
    for (size_t i = 0; i < m->ncolumns && !why; i++) {
        char *cell = csvval_trim(row->fields[idx[i]]);
        why = csvrule_apply(&m->columns[i], cell, body, m->id_prefix);
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
        const csvrule_t *c = &m->columns[i];
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

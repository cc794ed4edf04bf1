/*
 * csvrule — one column of a CSV mapping; see csvrule.h. Loading checks
 * the entry against its field (a table only for text, kinds and
 * urgencies; a format only for dates and timestamps; no default for a
 * BSN, a date or the external_id); applying converts with csvval.
 */
#include "csvrule.h"

#include "csvval.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Records in cfg, at setting at, why v cannot be the value of f. */
static void s_check_value(acfg_t *cfg, const config_setting_t *at,
                          const csvfield_t *f, const char *v)
{
    char why[512];
    if (!csvfield_check(f, v, why, sizeof why))
        acfg_error(cfg, at, "%s", why);
}

/* Adds the pair from -> to to r's value table. */
static void s_add_value(csvrule_t *r, const char *from, const char *to)
{
    r->from = xrealloc(r->from, (r->nvalues + 1) * sizeof *r->from);
    r->to = xrealloc(r->to, (r->nvalues + 1) * sizeof *r->to);
    r->from[r->nvalues] = csvval_trim(from);
    r->to[r->nvalues++] = xstrdup(to);
}

/* Reads the value table of entry e into r. */
static void s_values(csvrule_t *r, acfg_t *cfg, const config_setting_t *e)
{
    const config_setting_t *v = config_setting_get_member(e, "values");
    csvfield_type_t t = r->field->type;
    if (!v)
        return;
    if (t != CSVFIELD_TEXT && t != CSVFIELD_KIND && t != CSVFIELD_URGENCY) {
        acfg_error(cfg, v, "'values' cannot be used for '%s'", r->field->name);
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
        s_check_value(cfg, p, r->field, to);
        s_add_value(r, from, to);
    }
    if (n < 0)
        acfg_error(cfg, v,
                   "'values' must be a list of pairs, like "
                   "( [ \"export value\", \"RRP value\" ], ... )");
}

/* Reads "column" of entry e: a header name or a number from 1. */
static void s_column_ref(csvrule_t *r, acfg_t *cfg, const config_setting_t *e,
                         bool header)
{
    const config_setting_t *s = config_setting_get_member(e, "column");
    int type = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
    if (!s) {
        acfg_error(cfg, e, "missing setting 'column'");
    } else if (type == CONFIG_TYPE_STRING && header) {
        r->name = csvval_trim(config_setting_get_string(s));
        if (!*r->name)
            acfg_error(cfg, s, "'column' must not be empty");
    } else if (type == CONFIG_TYPE_INT && config_setting_get_int(s) >= 1) {
        r->number = config_setting_get_int(s);
    } else {
        acfg_error(cfg, s,
                   "'column' must be %s a number from 1 (the "
                   "first column)",
                   header ? "a header name or" : "(header = false)");
    }
}

/* Reads "format" of entry e into r (the mapping's format by default). */
static void s_format(csvrule_t *r, acfg_t *cfg, const config_setting_t *e,
                     const csvrule_defaults_t *d)
{
    csvfield_type_t t = r->field->type;
    const char *fmt = acfg_string(cfg, e, "format", false);
    const config_setting_t *fs = config_setting_get_member(e, "format");
    char err[256];
    if (fmt && t != CSVFIELD_DATE && t != CSVFIELD_DATETIME)
        acfg_error(cfg, fs,
                   "'format' is only for subject.birth_date and "
                   "occurred_at");
    else if (fmt && csvval_format_check(fmt, t == CSVFIELD_DATETIME, err,
                                        sizeof err) < 0)
        acfg_error(cfg, fs, "%s", err);
    const char *use = fmt                  ? fmt
                      : t == CSVFIELD_DATE ? d->date_format
                                           : d->datetime_format;
    r->format = xstrdup(use);
}

/* Reads "default" of entry e into r. */
static void s_default(csvrule_t *r, acfg_t *cfg, const config_setting_t *e)
{
    csvfield_type_t t = r->field->type;
    const char *dflt = acfg_string(cfg, e, "default", false);
    const config_setting_t *ds = config_setting_get_member(e, "default");
    if (dflt &&
        (t == CSVFIELD_BSN || t == CSVFIELD_DATE || t == CSVFIELD_DATETIME ||
         strcmp(r->field->name, "external_id") == 0))
        acfg_error(cfg, ds, "'default' cannot be used for '%s'",
                   r->field->name);
    else if (dflt)
        s_check_value(cfg, ds, r->field, dflt);
    r->dflt = dflt ? xstrdup(dflt) : NULL;
}

void csvrule_load(csvrule_t *r, acfg_t *cfg, const config_setting_t *e,
                  const csvfield_t *f, const csvrule_defaults_t *d)
{
    memset(r, 0, sizeof *r);
    r->field = f;
    s_column_ref(r, cfg, e, d->header);
    s_values(r, cfg, e);
    s_format(r, cfg, e, d);
    s_default(r, cfg, e);
}

void csvrule_clear(csvrule_t *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->nvalues; k++) {
        free(r->from[k]);
        free(r->to[k]);
    }
    free(r->from);
    free(r->to);
    free(r->name);
    free(r->format);
    free(r->dflt);
    memset(r, 0, sizeof *r);
}

char *csvrule_name(const csvrule_t *r)
{
    return r->name ? xasprintf("column '%s'", r->name)
                   : xasprintf("column %d", r->number);
}

/* Looks cell up in r's value table; NULL when it is not there. */
static const char *s_lookup(const csvrule_t *r, const char *cell)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (strcasecmp(r->from[i], cell) == 0)
            return r->to[i];
    return NULL;
}

/* Converts cell by r's type into buf (or *v). NULL, or why not. */
static char *s_convert(const csvrule_t *r, const char *cell, const char **v,
                       char *buf)
{
    char *col = csvrule_name(r), *why = NULL;
    csvfield_type_t t = r->field->type;
    if (t == CSVFIELD_BSN && csvval_bsn(cell, buf) < 0)
        why = xasprintf("%s does not hold a BSN (9 digits)", col);
    else if (t == CSVFIELD_DATE && csvval_date(cell, r->format, buf) < 0)
        why = xasprintf("%s: '%s' is not a date written as %s", col, cell,
                        r->format);
    else if (t == CSVFIELD_DATETIME &&
             csvval_datetime(cell, r->format, buf) < 0)
        why = xasprintf("%s: '%s' is not a time written as %s", col, cell,
                        r->format);
    else if (t == CSVFIELD_BSN || t == CSVFIELD_DATE || t == CSVFIELD_DATETIME)
        *v = buf;
    free(col);
    return why;
}

/* Returns the value of a cell that is empty: the default, or NULL with
 * *why set when the field is required. */
static const char *s_empty(const csvrule_t *r, char **why)
{
    if (!r->dflt && (r->field->flags & CSVFIELD_REQUIRED)) {
        char *col = csvrule_name(r);
        *why = xasprintf("%s is empty", col);
        free(col);
    }
    return r->dflt;
}

char *csvrule_apply(const csvrule_t *r, const char *cell, json_t *body,
                    const char *id_prefix)
{
    char buf[CSVVAL_DATETIME_MAX + 1];
    const char *v = cell;
    char *why = NULL;
    if (!*cell) {
        v = s_empty(r, &why);
    } else if (r->nvalues) {
        v = s_lookup(r, cell);
        v = v ? v : r->dflt;
        if (!v) {
            char *col = csvrule_name(r);
            why = xasprintf("%s: '%s' is not one of the values mapped", col,
                            cell);
            free(col);
        }
    } else {
        why = s_convert(r, cell, &v, buf);
    }
    if (!why && v)
        csvfield_set(body, r->field, v, id_prefix);
    return why;
}

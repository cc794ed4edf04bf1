/*
 * csvrule — one entry of "columns" in a CSV mapping (csvmap): which
 * column (a header name, or a number from 1 without a header), the RRP
 * field it fills (csvfield), an optional table of values (export value ->
 * RRP value, compared without case), a default for an empty cell or a
 * value not in the table, and for dates and timestamps the format to
 * read. Read from the configuration and applied to one cell at a time.
 * A csvrule_t owns its strings; read-only once loaded, any thread.
 */
#ifndef REGIE_CSVRULE_H
#define REGIE_CSVRULE_H

#include "acfg.h"
#include "csvfield.h"

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef struct {
    const csvfield_t *field;
    char *name;        /* the header's name for it, or NULL */
    int number;        /* else its place, from 1 */
    char *format;      /* CSVFIELD_DATE, _DATETIME: the format to read */
    char **from, **to; /* the value table: export value -> RRP value */
    size_t nvalues;
    char *dflt; /* for an empty cell or a value not in the table */
} csvrule_t;

/* What the mapping as a whole says about its rules. */
typedef struct {
    bool header;                 /* columns are named by the first row */
    const char *date_format;     /* for subject.birth_date without format */
    const char *datetime_format; /* for occurred_at without format */
} csvrule_defaults_t;

/* Reads "column", "values", "format" and "default" of the group e (an
 * entry of "columns" whose "field" is f) into *r, recording every
 * mistake in cfg at its line. r is filled as far as it can be; free it
 * with csvrule_clear in any case. */
void csvrule_load(csvrule_t *r, acfg_t *cfg, const config_setting_t *e,
                  const csvfield_t *f, const csvrule_defaults_t *d);

/* Frees the strings of r and zeroes it; accepts NULL. */
void csvrule_clear(csvrule_t *r);

/* Returns "column 'NAME'" or "column N", for messages; the caller frees
 * it. */
char *csvrule_name(const csvrule_t *r);

/* Puts cell (trimmed) into body through r (id_prefix before an
 * external_id): the value table, else the conversion of the field's
 * type, else the default. Returns NULL, or why not for the caller to
 * free: a required cell empty, a value not in the table without a
 * default, a cell that is no BSN, date or time. An empty optional cell
 * without default sets nothing. */
char *csvrule_apply(const csvrule_t *r, const char *cell, json_t *body,
                    const char *id_prefix);

#endif

/*
 * csvfield — the RRP REFERRAL fields a CSV mapping (csvmap) can fill: by
 * name in the configuration ("subject.bsn"), with the JSON pointer errors
 * name ("/subject/bsn"), how a cell becomes its value, and whether a
 * referral needs it, several columns may give it, or it may be a
 * constant. Sets a value into a body the way each field wants it. A
 * fixed table; stateless, any thread.
 */
#ifndef REGIE_CSVFIELD_H
#define REGIE_CSVFIELD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef enum {
    CSVFIELD_TEXT,    /* as written, trimmed */
    CSVFIELD_KIND,    /* one of the RRP kinds */
    CSVFIELD_URGENCY, /* one of the RRP urgencies */
    CSVFIELD_BSN,     /* csvval_bsn */
    CSVFIELD_DATE,    /* csvval_date by date_format */
    CSVFIELD_DATETIME /* csvval_datetime by datetime_format */
} csvfield_type_t;

enum {
    CSVFIELD_REQUIRED = 1, /* a referral needs it */
    CSVFIELD_REPEAT = 2,   /* several columns may give it */
    CSVFIELD_CONSTANT = 4  /* may be a constant */
};

typedef struct {
    const char *name;    /* in the configuration */
    const char *pointer; /* in the body, for errors */
    csvfield_type_t type;
    unsigned flags; /* CSVFIELD_REQUIRED | ... */
} csvfield_t;

#define CSVFIELD_COUNT 13 /* fields in the table */

/* Returns the field called name, or NULL. */
const csvfield_t *csvfield_find(const char *name);

/* Returns field i (< CSVFIELD_COUNT) of the table, in a fixed order. */
const csvfield_t *csvfield_at(size_t i);

/* Returns the place of f (from csvfield_find or csvfield_at) in the
 * table: 0 to CSVFIELD_COUNT - 1. */
size_t csvfield_index(const csvfield_t *f);

/* Checks that v can be the value of f: a kind for CSVFIELD_KIND, an
 * urgency for CSVFIELD_URGENCY, anything otherwise. Returns true, or
 * false with a sentence quoting v in why (why_len bytes). */
bool csvfield_check(const csvfield_t *f, const char *v, char *why,
                    size_t why_len);

/* Sets field f of body to value: "a.b" in object a, a household member
 * appended to the list, a note joined to the one before by a newline,
 * an external_id after id_prefix. */
void csvfield_set(json_t *body, const csvfield_t *f, const char *value,
                  const char *id_prefix);

#endif

/*
 * impfile — an import file (regiectl import) read into the lines that
 * regied's import commands take (see daemon/control/cmdimport.c):
 *   {"line": 12, "case": {ref, bsn, regisseur, type},
 *    "agreement": {kind, owner_type, owner, description, due,
 *                  period_days, policy}}
 * from CSV with a header row (delimiter , ; or tab, as the header uses)
 * or JSON lines (one object per line), with the columns of
 * IMPFILE_COLUMNS. Every column is checked as far as regiectl can judge
 * it, and every problem noted with its line; what only regied can judge
 * (does the regisseur exist, is the case open) is regied's. A BSN goes
 * in the bsn column only: any other value that looks like one is
 * refused, so no message can ever quote one. The text and every value
 * read from it may hold a BSN: impfile_clear wipes what was made. For
 * regiectl; no state.
 */
#ifndef REGIE_IMPFILE_H
#define REGIE_IMPFILE_H

#include <jansson.h>
#include <stddef.h>

#define IMPFILE_COLUMNS                                                        \
    "case_ref, bsn, regisseur, type, kind, owner, description, due, "          \
    "period_days, policy"

typedef enum { IMPFILE_CSV, IMPFILE_JSONL } impfile_format_t;

/* A file read. */
typedef struct {
    json_t *lines;  /* the lines to import, in the order of the file */
    json_t *errors; /* [{line, message}], in the order of the file */
} impfile_t;

/* The format of the file at path: given ("csv" or "jsonl") when not
 * NULL, else by the name's ending (.csv; .jsonl, .ndjson). Returns 0,
 * or -1 when neither says (or given is another word). */
int impfile_format(const char *path, const char *given, impfile_format_t *fmt);

/* Reads len bytes of text (borrowed) in format fmt into f. Never fails:
 * what is wrong is in f->errors (line 0: the file as a whole). */
void impfile_read(const char *text, size_t len, impfile_format_t fmt,
                  impfile_t *f);

/* Adds the error of line (a printf-style message) to errors. */
void impfile_error(json_t *errors, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));


/* Wipes and frees what f holds; f is empty after. */
void impfile_clear(impfile_t *f);

#endif

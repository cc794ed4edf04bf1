/*
 * csv — splits CSV text into rows of fields, the way RFC 4180 and
 * spreadsheet programs write it: a configurable delimiter, fields in
 * double quotes that may hold the delimiter, quotes ("" for one) and line
 * breaks, rows ending in LF or CRLF, a UTF-8 byte order mark at the start
 * skipped. Each row carries the line it starts on, counted as an editor
 * does. A broken row (text after a closing quote, a quote never closed, a
 * NUL byte) is returned with its error and reading goes on after it.
 * The buffer a field is read into is wiped before it is freed, so a
 * secret field (a BSN in regiectl import's file) leaves no copy but the
 * row's own, for the caller to wipe (a field that grew the buffer past
 * its first 64 bytes left its earlier copies unwiped). Used by the spool
 * adapter and by regiectl import. A csv_t borrows the text; one thread.
 */
#ifndef REGIE_CSV_H
#define REGIE_CSV_H

#include <stddef.h>

typedef struct csv csv_t;

/* One row. Owned by the caller; csv_row_clear frees it. */
typedef struct {
    long line;     /* the line the row starts on, from 1 */
    char **fields; /* n fields, NUL-terminated; NULL when broken */
    size_t n;
    char error[160]; /* "" or why the row is broken */
} csv_row_t;

/* Makes a reader of len bytes at data, which must stay valid and
 * unchanged until csv_destroy; delimiter is one byte (',' ';' '\t' ...),
 * not '"', CR or LF. */
csv_t *csv_new(const char *data, size_t len, char delimiter);

/* Frees the reader (not the text) and sets *p to NULL; accepts NULL and
 * *p == NULL. */
void csv_destroy(csv_t **p);

/* Reads the next row into *row (overwritten, not freed: clear it between
 * calls). Empty lines are skipped. Returns 1 with a row (row->error set
 * and no fields when it is broken), or 0 at the end. */
int csv_next(csv_t *self, csv_row_t *row);

/* Frees what row holds and zeroes it; accepts a zeroed row. */
void csv_row_clear(csv_row_t *row);

#endif

/*
 * jsonin — splits the input of an adapter into records: JSON objects one
 * after another, however they are laid out (one pretty-printed object,
 * JSON lines, or several objects in a row), each with the line it starts
 * on. A record that is not valid JSON is reported with its error, and
 * reading goes on at the next line that starts with "{". A jsonin_t holds
 * the whole input in memory; one thread.
 */
#ifndef REGIE_JSONIN_H
#define REGIE_JSONIN_H

#include <jansson.h>
#include <stddef.h>

#define JSONIN_MAX_INPUT (256u << 20) /* largest input read: 256 MiB */
#define JSONIN_FLAGS (JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES)

typedef struct jsonin jsonin_t;

/* One record of the input. Owned by the caller; jsonin_record_clear frees
 * it. */
typedef struct {
    int line;        /* the line the record starts on, counted from 1 */
    json_t *value;   /* the object, or NULL when the record is not one */
    char *text;      /* the object's bytes as in the input, with a NUL
                      * added; NULL when value is NULL */
    size_t len;      /* bytes in text, without the NUL */
    char error[256]; /* when value is NULL: why, with line and column */
} jsonin_record_t;

/* Reads all of path ("-": standard input, named "stdin") into memory.
 * Returns the reader, or NULL with a sentence in err (errlen bytes) when
 * the file cannot be opened or read (errno is kept: EINTR when a signal
 * interrupted the read) or holds more than JSONIN_MAX_INPUT bytes. */
jsonin_t *jsonin_open(const char *path, char *err, size_t errlen);

/* Makes a reader of len bytes at data (copied), called name. */
jsonin_t *jsonin_new(const char *name, const char *data, size_t len);

/* Frees the reader and sets *p to NULL; accepts NULL and *p == NULL. */
void jsonin_destroy(jsonin_t **p);

/* Returns the name of the input ("stdin" for "-"), borrowed until
 * jsonin_destroy. */
const char *jsonin_name(const jsonin_t *self);

/* Reads the next record into *rec (overwritten, not freed: clear it
 * between calls). Blank space between records is skipped, and a UTF-8
 * byte order mark at the start. Returns 1 with a record (rec->value NULL
 * and rec->error set when it is not a JSON object), or 0 at the end. */
int jsonin_next(jsonin_t *self, jsonin_record_t *rec);

/* Frees what rec holds and zeroes it; accepts a zeroed record. */
void jsonin_record_clear(jsonin_record_t *rec);

#endif

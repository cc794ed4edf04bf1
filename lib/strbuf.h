/*
 * strbuf — a growing string for text built piece by piece (the metrics
 * file, the digest, a message, an expanded template). Out of memory is fatal (xmem). No state beyond the
 * buffer; any thread, one buffer per thread.
 */
#ifndef REGIE_STRBUF_H
#define REGIE_STRBUF_H

#include <stddef.h>

typedef struct {
    char *p;       /* the text, NUL-terminated; NULL while empty */
    size_t len;    /* bytes, without the NUL */
    size_t cap;    /* bytes allocated */
} strbuf_t;

/* Appends the n bytes at s (which need not end in a NUL). */
void strbuf_put(strbuf_t *b, const char *s, size_t n);

/* Appends the NUL-terminated s. */
void strbuf_puts(strbuf_t *b, const char *s);

/* Appends printf-style text. */
void strbuf_printf(strbuf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The text (never NULL: "" when empty) for the caller to free; b is
 * empty again. */
char *strbuf_take(strbuf_t *b);

/* Frees the text; b is empty again. */
void strbuf_clear(strbuf_t *b);

#endif

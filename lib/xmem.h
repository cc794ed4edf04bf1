/*
 * xmem — allocation that cannot fail: out of memory ends the process, in
 * this one place, so no caller has to handle it.
 */
#ifndef REGIE_XMEM_H
#define REGIE_XMEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * ijwprob — the texts of problems found in an iStandaarden message:
 * each names where it is as "source:line: text", and the problems of one
 * record are kept as one newline-separated list. Used by the ijw modules;
 * stateless, any thread.
 */
#ifndef REGIE_IJWPROB_H
#define REGIE_IJWPROB_H

#include <stdarg.h>

#include <libxml/tree.h>

/* Returns "source:line: text", or "source: text" when line is 0 or less,
 * for the caller to free. */
char *ijwprob_at(const char *source, long line, const char *text);

/* Returns the printf-style text of fmt and ap, for the caller to free. */
char *ijwprob_vfmt(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* Appends "source:line: text" (text printf-style) to the list *list, a
 * newline-separated text owned by the caller, or NULL: then the list is
 * made. */
void ijwprob_add(char **list, const char *source, long line, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

/* Returns "is empty" when at (an element looked up) is there, "is
 * missing" when it is NULL: for "Client/Bsn is missing". Static. */
const char *ijwprob_absent(xmlNodePtr at);

#endif

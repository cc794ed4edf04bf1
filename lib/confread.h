/*
 * confread — reads a libconfig file whose every piece is a regular file:
 * the file itself and each file it names with @include (followed through
 * nested includes) are checked before libconfig opens any of them, so a
 * FIFO, a device or a folder is refused with "file:line: message" instead
 * of blocking the program. Used for regie.conf and the adapters'
 * configurations. No state; the calling thread only.
 */
#ifndef REGIE_CONFREAD_H
#define REGIE_CONFREAD_H

#include <libconfig.h>

#define CONFREAD_MAX_DEPTH 10 /* nested @include, as libconfig allows */

/* Reads path into lc, whose include folder is dir (as libconfig resolves
 * relative includes). Returns 0, or the number of errors after writing
 * each to stderr as "file:line: message" (line 0: the file as a whole):
 * unreadable or not regular, an @include of such a file, includes nested
 * too deep, a NUL byte, an @include whose name is absolute or does not
 * end on its line, or libconfig's syntax error. */
int confread_file(config_t *lc, const char *path, const char *dir);

/* Receives one error of confread_report: the file it is in, its line (0:
 * the file as a whole) and the message; the strings are borrowed for the
 * call only. */
typedef void confread_error_fn(void *data, const char *file, int line,
                               const char *message);

/* As confread_file, but each error goes to fn with data instead of to
 * stderr, for a program that collects its configuration errors. */
int confread_report(config_t *lc, const char *path, const char *dir,
                    confread_error_fn *fn, void *data);

#endif

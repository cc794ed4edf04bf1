/*
 * confread — @include lines are found the way libconfig's scanner finds
 * them (a line "@include "FILE"", blanks around), resolved against the
 * include folder, and each file checked with rfile before libconfig
 * reads the top file from an already opened, checked descriptor. What
 * this check cannot see the same way as libconfig is refused: a NUL
 * byte (libconfig's name would end there: "" is the folder, and flex
 * exits the process on reading it), a name that runs past its line, and
 * an absolute name (libconfig 1.5 opens it under the include folder).
 * Errors go to a sink: stderr for confread_file, the caller's for
 * confread_report.
 */
#include "confread.h"

#include "log.h"
#include "rfile.h"
#include "xmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the errors of one read go. */
typedef struct {
    confread_error_fn *fn;
    void *data;
} s_sink_t;

/* Sends one error, printf-style, to the sink. */
__attribute__((format(printf, 4, 5))) static void
s_error(const s_sink_t *sink, const char *file, int line, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sink->fn(sink->data, file, line, msg);
}

/* confread_file's sink: "file:line: message" on stderr. */
static void s_to_stderr(void *data, const char *file, int line,
                        const char *message)
{
    log_plain(LOG_LEVEL_ERR, "%s:%d: %s", file, line, message);
}

/* The file named by an "@include" line, as a new string, or NULL when
 * the line is not one; *open is set when it is one whose name does not
 * end on the line. */
static char *s_include_of(const char *line, bool *open)
{
    *open = false;
    line += strspn(line, " \t");
    if (strncmp(line, "@include", 8) != 0)
        return NULL;
    line += 8;
    line += strspn(line, " \t");
    if (*line != '"')
        return NULL;
    const char *end = strchr(line + 1, '"');
    *open = !end;
    return end ? xstrndup(line + 1, (size_t)(end - line - 1)) : NULL;
}

/* name resolved as libconfig does: absolute, or under dir. */
static char *s_resolve(const char *name, const char *dir)
{
    if (name[0] == '/' || !dir)
        return xstrdup(name);
    return xasprintf("%s/%s", dir, name);
}

static int s_check(const s_sink_t *sink, const char *path, const char *dir,
                   int depth);

/* Checks one @include of name, on line no of path. Returns the errors. */
static int s_include(const s_sink_t *sink, const char *path, int no,
                     const char *name, const char *dir, int depth)
{
    char *inc = s_resolve(name, dir), err[600];
    int errors = 1;
    if (name[0] == '/')
        s_error(sink, path, no,
                "@include \"%s\": name a file relative to the folder of the "
                "configuration",
                name);
    else if (depth + 1 >= CONFREAD_MAX_DEPTH)
        s_error(sink, path, no,
                "@include \"%s\": includes nested more than %d deep", name,
                CONFREAD_MAX_DEPTH);
    else if (rfile_check(inc, err, sizeof err) < 0)
        s_error(sink, path, no, "@include \"%s\": %s", name, err);
    else
        errors = s_check(sink, inc, dir, depth + 1);
    free(inc);
    return errors;
}

/* Checks the includes of the opened file f (path, for messages), and
 * that it holds no NUL byte. */
static int s_scan(const s_sink_t *sink, FILE *f, const char *path,
                  const char *dir, int depth)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int errors = 0, no = 0;
    bool open;
    while ((len = getline(&line, &cap, f)) >= 0) {
        no++;
        if (memchr(line, '\0', (size_t)len)) {
            s_error(sink, path, no, "contains a NUL byte");
            errors++;
            break;
        }
        char *name = s_include_of(line, &open);
        if (open) {
            s_error(sink, path, no,
                    "@include: the file name must end on its line");
            errors++;
        }
        if (!name)
            continue;
        errors += s_include(sink, path, no, name, dir, depth);
        free(name);
    }
    free(line);
    return errors;
}

/* Checks path (an included file) and, in turn, its includes. */
static int s_check(const s_sink_t *sink, const char *path, const char *dir,
                   int depth)
{
    char err[600];
    FILE *f = rfile_fopen(path, err, sizeof err);
    if (!f) {
        s_error(sink, path, 0, "%s", err);
        return 1;
    }
    int errors = s_scan(sink, f, path, dir, depth);
    fclose(f);
    return errors;
}

int confread_report(config_t *lc, const char *path, const char *dir,
                    confread_error_fn *fn, void *data)
{
    const s_sink_t sink = {fn, data};
    char err[600];
    FILE *f = rfile_fopen(path, err, sizeof err);
    if (!f) {
        /* "cannot read PATH: REASON" -> "PATH:0: cannot read the file:" */
        const char *reason = strrchr(err, ':');
        s_error(&sink, path, 0, "cannot read the file:%s",
                reason ? reason + 1 : err);
        return 1;
    }
    int errors = s_scan(&sink, f, path, dir, 0);
    if (errors == 0) {
        rewind(f);
        if (config_read(lc, f) != CONFIG_TRUE) {
            const char *file = config_error_file(lc);
            s_error(&sink, file ? file : path, config_error_line(lc), "%s",
                    config_error_text(lc));
            errors++;
        }
    }
    fclose(f);
    return errors;
}

int confread_file(config_t *lc, const char *path, const char *dir)
{
    return confread_report(lc, path, dir, s_to_stderr, NULL);
}

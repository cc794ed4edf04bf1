/*
 * confread — @include lines are found the way libconfig's scanner finds
 * them (a line "@include "FILE"", blanks around), resolved against the
 * include folder, and each file checked with rfile before libconfig
 * reads the top file from an already opened, checked descriptor. Errors
 * go to a sink: stderr for confread_file, the caller's for
 * confread_report.
 */
#include "confread.h"

#include "log.h"
#include "rfile.h"
#include "xmem.h"

#include <errno.h>
#include <stdarg.h>
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
 * the line is not one. */
static char *s_include_of(const char *line)
{
    line += strspn(line, " \t");
    if (strncmp(line, "@include", 8) != 0)
        return NULL;
    line += 8;
    line += strspn(line, " \t");
    if (*line != '"')
        return NULL;
    const char *end = strchr(line + 1, '"');
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

/* Checks the includes of the opened file f (path, for messages). */
static int s_scan(const s_sink_t *sink, FILE *f, const char *path,
                  const char *dir, int depth)
{
    char line[4096];
    int errors = 0, no = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        char *name = s_include_of(line);
        if (!name)
            continue;
        char *inc = s_resolve(name, dir), err[600];
        if (depth + 1 >= CONFREAD_MAX_DEPTH) {
            s_error(sink, path, no,
                    "@include \"%s\": includes nested more than %d deep", name,
                    CONFREAD_MAX_DEPTH);
            errors++;
        } else if (rfile_check(inc, err, sizeof err) < 0) {
            s_error(sink, path, no, "@include \"%s\": %s", name, err);
            errors++;
        } else {
            errors += s_check(sink, inc, dir, depth + 1);
        }
        free(inc);
        free(name);
    }
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

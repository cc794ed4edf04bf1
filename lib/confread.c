/*
 * confread — @include lines are found the way libconfig's scanner finds
 * them (a line "@include "FILE"", blanks around), resolved against the
 * include folder, and each file checked with rfile before libconfig
 * reads the top file from an already opened, checked descriptor.
 */
#include "confread.h"

#include "rfile.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int s_check(const char *path, const char *dir, int depth);

/* Checks the includes of the opened file f (path, for messages). */
static int s_scan(FILE *f, const char *path, const char *dir, int depth)
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
            log_plain(LOG_LEVEL_ERR,
                      "%s:%d: @include \"%s\": includes nested more than "
                      "%d deep",
                      path, no, name, CONFREAD_MAX_DEPTH);
            errors++;
        } else if (rfile_check(inc, err, sizeof err) < 0) {
            log_plain(LOG_LEVEL_ERR, "%s:%d: @include \"%s\": %s", path, no,
                      name, err);
            errors++;
        } else {
            errors += s_check(inc, dir, depth + 1);
        }
        free(inc);
        free(name);
    }
    return errors;
}

/* Checks path (an included file) and, in turn, its includes. */
static int s_check(const char *path, const char *dir, int depth)
{
    char err[600];
    FILE *f = rfile_fopen(path, err, sizeof err);
    if (!f) {
        log_plain(LOG_LEVEL_ERR, "%s:0: %s", path, err);
        return 1;
    }
    int errors = s_scan(f, path, dir, depth);
    fclose(f);
    return errors;
}

int confread_file(config_t *lc, const char *path, const char *dir)
{
    char err[600];
    FILE *f = rfile_fopen(path, err, sizeof err);
    if (!f) {
        /* "cannot read PATH: REASON" -> "PATH:0: cannot read the file:" */
        const char *reason = strrchr(err, ':');
        log_plain(LOG_LEVEL_ERR, "%s:0: cannot read the file:%s", path,
                reason ? reason + 1 : err);
        return 1;
    }
    int errors = s_scan(f, path, dir, 0);
    if (errors == 0) {
        rewind(f);
        if (config_read(lc, f) != CONFIG_TRUE) {
            const char *file = config_error_file(lc);
            log_plain(LOG_LEVEL_ERR, "%s:%d: %s", file ? file : path,
                    config_error_line(lc), config_error_text(lc));
            errors++;
        }
    }
    fclose(f);
    return errors;
}

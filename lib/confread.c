/*
 * confread — @include lines are found the way libconfig's scanner finds
 * them (a line "@include "FILE"", blanks around), resolved against the
 * include folder, and each file checked with rfile before libconfig
 * reads the top file from an already opened, checked descriptor. What
 * this check cannot see the same way as libconfig is refused: a NUL
 * byte (libconfig's name would end there: "" is the folder, and flex
 * exits the process on reading it), a name that runs past its line, and
 * an absolute name (libconfig 1.5 opens it under the include folder).
 */
#include "confread.h"

#include "rfile.h"
#include "xmem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int s_check(const char *path, const char *dir, int depth);

/* Checks the includes of the opened file f (path, for messages), and
 * that it holds no NUL byte. */
static int s_scan(FILE *f, const char *path, const char *dir, int depth)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int errors = 0, no = 0;
    bool open;
    while ((len = getline(&line, &cap, f)) >= 0) {
        no++;
        if (memchr(line, '\0', (size_t)len)) {
            fprintf(stderr, "%s:%d: contains a NUL byte\n", path, no);
            errors++;
            break;
        }
        char *name = s_include_of(line, &open);
        if (open) {
            fprintf(stderr, "%s:%d: @include: the file name must end on "
                    "its line\n", path, no);
            errors++;
        }
        if (!name)
            continue;
        char *inc = s_resolve(name, dir), err[600];
        if (name[0] == '/') {
            fprintf(stderr, "%s:%d: @include \"%s\": name a file relative "
                    "to the folder of the configuration\n", path, no, name);
            errors++;
        } else if (depth + 1 >= CONFREAD_MAX_DEPTH) {
            fprintf(stderr, "%s:%d: @include \"%s\": includes nested "
                    "more than %d deep\n", path, no, name,
                    CONFREAD_MAX_DEPTH);
            errors++;
        } else if (rfile_check(inc, err, sizeof err) < 0) {
            fprintf(stderr, "%s:%d: @include \"%s\": %s\n", path, no, name,
                    err);
            errors++;
        } else {
            errors += s_check(inc, dir, depth + 1);
        }
        free(inc);
        free(name);
    }
    free(line);
    return errors;
}

/* Checks path (an included file) and, in turn, its includes. */
static int s_check(const char *path, const char *dir, int depth)
{
    char err[600];
    FILE *f = rfile_fopen(path, err, sizeof err);
    if (!f) {
        fprintf(stderr, "%s:0: %s\n", path, err);
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
        fprintf(stderr, "%s:0: cannot read the file:%s\n", path,
                reason ? reason + 1 : err);
        return 1;
    }
    int errors = s_scan(f, path, dir, 0);
    if (errors == 0) {
        rewind(f);
        if (config_read(lc, f) != CONFIG_TRUE) {
            const char *file = config_error_file(lc);
            fprintf(stderr, "%s:%d: %s\n", file ? file : path,
                    config_error_line(lc), config_error_text(lc));
            errors++;
        }
    }
    fclose(f);
    return errors;
}

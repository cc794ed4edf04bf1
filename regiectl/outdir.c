/*
 * outdir — files written into an existing folder, whole, 0644 (see
 * outdir.h).
 */
#include "outdir.h"

#include "xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes len bytes of data to fd. Returns 0 or -1 (errno set). */
static int s_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes f under a temporary name in dir; returns that path (new) or
 * NULL with why set. */
static char *s_temp(const char *dir, const outdir_file_t *f, char *why,
                    size_t len)
{
    char *tmp = xasprintf("%s/.%s.XXXXXX", dir, f->name);
    int fd = mkstemp(tmp);
    if (fd < 0 || fchmod(fd, 0644) != 0 ||
        s_write_all(fd, f->data, f->len) != 0 || fsync(fd) != 0) {
        snprintf(why, len, "cannot write %s/%s: %s", dir, f->name,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return NULL;
    }
    if (close(fd) != 0) {
        snprintf(why, len, "cannot write %s/%s: %s", dir, f->name,
                 strerror(errno));
        unlink(tmp);
        free(tmp);
        return NULL;
    }
    return tmp;
}

/* Puts the written tmp in place as path: over what is there (force), or
 * only where nothing is (a link does not replace). Returns 0, 1 (it
 * exists) or -1. */
static int s_place(const char *tmp, const char *path, bool force, char *why,
                   size_t len)
{
    int rc = force ? rename(tmp, path) : link(tmp, path);
    int err = errno;
    if (!force || rc != 0)
        unlink(tmp);
    if (rc == 0)
        return 0;
    snprintf(why, len, "%s %s: %s",
             err == EEXIST ? "will not overwrite" : "cannot write", path,
             err == EEXIST ? "it exists (--force "
                             "replaces it)"
                           : strerror(err));
    return err == EEXIST ? 1 : -1;
}

/* Whether dir is a folder and, unless force, none of the files exist
 * there. Returns 0, 1 (one exists) or -1, with why. */
static int s_check(const char *dir, const outdir_file_t *files, size_t n,
                   bool force, char *why, size_t len)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(why, len, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, len, "%s: not a folder", dir);
        return -1;
    }
    for (size_t i = 0; !force && i < n; i++) {
        char *path = xasprintf("%s/%s", dir, files[i].name);
        int exists = lstat(path, &st) == 0;
        if (exists)
            snprintf(why, len,
                     "will not overwrite %s: it exists (--force replaces it)",
                     path);
        free(path);
        if (exists)
            return 1;
    }
    return 0;
}

int outdir_write(const char *dir, const outdir_file_t *files, size_t n,
                 bool force, char *why, size_t len)
{
    int rc = s_check(dir, files, n, force, why, len);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *tmp = s_temp(dir, &files[i], why, len);
        char *path = xasprintf("%s/%s", dir, files[i].name);
        rc = tmp ? s_place(tmp, path, force, why, len) : -1;
        free(tmp);
        free(path);
    }
    return rc;
}

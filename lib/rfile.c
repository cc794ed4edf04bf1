/*
 * rfile — regular files only: opened with O_NONBLOCK (so a FIFO without
 * a writer cannot block the open) and checked with fstat before a byte
 * is read.
 */
#include "rfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What kind of file mode is, for "not a regular file (a ...)". */
static const char *s_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a folder"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
                                            : "not a file";
}

/* Writes the error for path; returns -1. */
static int s_refuse(const char *path, const struct stat *st, int errnum,
                    char *err, size_t errlen)
{
    if (st)
        snprintf(err, errlen, "cannot read %s: not a regular file (%s)",
                 path, s_kind(st->st_mode));
    else
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errnum));
    return -1;
}

int rfile_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return s_refuse(path, NULL, errno, err, errlen);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return s_refuse(path, NULL, e, err, errlen);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return s_refuse(path, &st, 0, err, errlen);
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return s_refuse(path, NULL, e, err, errlen);
    }
    return fd;
}

FILE *rfile_fopen(const char *path, char *err, size_t errlen)
{
    int fd = rfile_open(path, err, errlen);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        s_refuse(path, NULL, errno, err, errlen);
        close(fd);
    }
    return f;
}

int rfile_check(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return s_refuse(path, NULL, errno, err, errlen);
    if (!S_ISREG(st.st_mode))
        return s_refuse(path, &st, 0, err, errlen);
    if (access(path, R_OK) != 0)
        return s_refuse(path, NULL, errno, err, errlen);
    return 0;
}

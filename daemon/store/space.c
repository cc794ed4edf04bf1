/*
 * space — statvfs(2) of the database's folder and stat(2) of the database
 * and its WAL: three system calls, cheap enough for every batch.
 */
#include "space.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define S_MB (1024 * 1024)

static int64_t s_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

int64_t space_db_bytes(const char *db_path)
{
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    return s_size(db_path) + s_size(wal);
}

/* The folder of path, in buf. */
static const char *s_folder(const char *path, char *buf, size_t len)
{
    snprintf(buf, len, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash)
        return ".";
    *(slash == buf ? slash + 1 : slash) = '\0';
    return buf;
}

bool space_ok(const space_limits_t *lim, char *why, size_t len)
{
    char dir[4096];
    struct statvfs vfs;
    if (lim->min_free_mb > 0 &&
        statvfs(s_folder(lim->db_path, dir, sizeof dir), &vfs) == 0) {
        int64_t free_b = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
        if (free_b < lim->min_free_mb * S_MB) {
            snprintf(why, len,
                     "%lld MB free on the database's file system, the "
                     "reserve is %lld MB",
                     (long long)(free_b / S_MB), (long long)lim->min_free_mb);
            return false;
        }
    }
    if (lim->max_db_mb > 0) {
        int64_t used = space_db_bytes(lim->db_path);
        if (used >= lim->max_db_mb * S_MB) {
            snprintf(why, len,
                     "the database and its WAL hold %lld MB, the cap "
                     "(max_database_mb) is %lld MB",
                     (long long)(used / S_MB), (long long)lim->max_db_mb);
            return false;
        }
    }
    return true;
}

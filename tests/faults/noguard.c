/*
 * noguard — the disk-full fault run's control (make faults): loaded into
 * regied with LD_PRELOAD, it makes statvfs(2) report every file system
 * empty (all blocks free), so the space guard (daemon/store/space.c,
 * daemon.min_free_mb) never sees the disk fill and never refuses: regied
 * writes until SQLite itself fails. regied's configuration cannot turn
 * the guard off (min_free_mb must be at least wal_max_mb), and the
 * daemon is not built differently for this: the guard loses its input,
 * nothing else changes. The database and WAL sizes the guard also reads
 * (max_database_mb, stat(2)) are left as they are; the run leaves that
 * cap off.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>

/* The file system as if nothing were on it. */
static void s_empty(struct statvfs *st)
{
    st->f_bfree = st->f_blocks;
    st->f_bavail = st->f_blocks;
}

static void *s_next(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        dprintf(2, "noguard: no %s in libc\n", name);
        abort();
    }
    return p;
}

int statvfs(const char *path, struct statvfs *st)
{
    static __typeof__(&statvfs) real;
    if (!real)
        real = (__typeof__(&statvfs))s_next("statvfs");
    int rc = real(path, st);
    if (rc == 0)
        s_empty(st);
    return rc;
}

int fstatvfs(int fd, struct statvfs *st)
{
    static __typeof__(&fstatvfs) real;
    if (!real)
        real = (__typeof__(&fstatvfs))s_next("fstatvfs");
    int rc = real(fd, st);
    if (rc == 0)
        s_empty(st);
    return rc;
}

/*
 * powercut — a simulated power loss for regied's database (make faults).
 *
 * One file, two programs:
 *
 *   powercut.so       loaded into regied with LD_PRELOAD, POWERCUT_DB set
 *                     to the database's path. It follows the database
 *                     and its WAL (not the -shm file, which SQLite
 *                     rebuilds). Before each pwrite, pwrite64, write,
 *                     writev, ftruncate or ftruncate64 of one of them it
 *                     appends to an undo log next to the file
 *                     (<file>.undo) what the call replaces: the old bytes
 *                     of the region and the file's old size. An fsync or
 *                     fdatasync of the file (or sync, syncfs) empties its
 *                     log: what was written is durable now. Threads share
 *                     one lock (regied's checkpointer writes the database
 *                     while the main thread writes the WAL).
 *   powercut-restore  (built with -DPOWERCUT_RESTORE) run after regied
 *                     was killed with SIGKILL: applies each file's undo
 *                     records newest first and removes the log, so only
 *                     what was synced remains, as after a power loss.
 *
 * The model's limits (torn sectors, directory entries, ...) are listed in
 * tests/faults/powercut.py. A call the model does not cover (pwritev,
 * fallocate, a shared writable mmap, truncate by name, open with O_TRUNC)
 * on a followed file aborts regied rather than pass unseen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PC_MAGIC 0x31554350u /* "PCU1": a record's head */
#define PC_END 0x45554350u   /* "PCUE": its tail, written last */
#define PC_CHUNK (64 * 1024) /* bytes copied at a time */

/* An undo record: this head, len saved bytes, a tail. A record without
 * its tail was cut short by the kill: the write it protects never began
 * (a record is complete before its write starts), so it is ignored. */
typedef struct {
    uint32_t magic; /* PC_MAGIC */
    uint32_t zero;
    uint64_t off;  /* where the saved bytes go back */
    uint64_t len;  /* saved bytes after this head */
    uint64_t size; /* the file's size before the change */
} pc_head_t;

typedef struct {
    uint32_t magic; /* PC_END */
    uint32_t zero;
    uint64_t off; /* the head's off again, a check */
} pc_tail_t;

#ifndef POWERCUT_RESTORE

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/uio.h>

#define S_FILES 2      /* the database, its WAL */
#define S_FD_MAX 65536 /* descriptors that can be followed */

typedef struct {
    char *path;      /* the database or its WAL */
    char *undo_path; /* path + ".undo" */
    int undo_fd;     /* open for appending; -1 until the file is opened */
} s_file_t;

static s_file_t s_files[S_FILES];
static bool s_on; /* POWERCUT_DB was set */
/* For each descriptor: 1 + the index of the file it is open on, or 0. */
static _Atomic unsigned char s_fd_file[S_FD_MAX];
/* Held while a record is written and its write made, and while a sync
 * empties a log: records follow the order of the writes. */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_buf[PC_CHUNK]; /* under s_lock */

/* The real functions, found on first use (S_REAL), each kept in its
 * s_real_<name> slot. */
#define S_REAL(name) ((__typeof__(&name))s_resolve(&s_real_##name, #name))
static void *s_resolve(void **slot, const char *name);
static void *s_real_open;
static void *s_real_open64;
static void *s_real_openat;
static void *s_real_openat64;
static void *s_real_close;
static void *s_real_dup;
static void *s_real_dup2;
static void *s_real_dup3;
static void *s_real_pwrite;
static void *s_real_pwrite64;
static void *s_real_write;
static void *s_real_writev;
static void *s_real_ftruncate;
static void *s_real_ftruncate64;
static void *s_real_fsync;
static void *s_real_fdatasync;
static void *s_real_sync;
static void *s_real_syncfs;
static void *s_real_unlink;
static void *s_real_unlinkat;
static void *s_real_mmap;
static void *s_real_mmap64;

/* Says why and aborts: the simulation cannot keep its promise. (The C
 * library's own calls, as in dprintf, do not come back here.) */
static void s_die(const char *what, const char *detail)
{
    dprintf(2, "powercut: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

static void *s_resolve(void **slot, const char *name)
{
    void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!p) {
        p = dlsym(RTLD_NEXT, name);
        if (!p)
            s_die("no such function in libc", name);
        __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    }
    return p;
}

/* Reads POWERCUT_DB; without it every call passes through. */
__attribute__((constructor)) static void s_init(void)
{
    const char *db = getenv("POWERCUT_DB");
    if (!db || !*db)
        return;
    static const char *const suffix[S_FILES] = {"", "-wal"};
    for (int i = 0; i < S_FILES; i++) {
        size_t n = strlen(db) + strlen(suffix[i]) + 8;
        s_files[i].path = malloc(n);
        s_files[i].undo_path = malloc(n);
        if (!s_files[i].path || !s_files[i].undo_path)
            s_die("out of memory", NULL);
        snprintf(s_files[i].path, n, "%s%s", db, suffix[i]);
        snprintf(s_files[i].undo_path, n, "%s%s.undo", db, suffix[i]);
        s_files[i].undo_fd = -1;
    }
    s_on = true;
    dprintf(2, "powercut: following %s and %s (undo logs *.undo)\n",
            s_files[0].path, s_files[1].path);
}

/* The followed file fd is open on (0 or 1), or -1. */
static int s_file_of(int fd)
{
    if (!s_on || fd < 0 || fd >= S_FD_MAX)
        return -1;
    return (int)atomic_load_explicit(&s_fd_file[fd], memory_order_relaxed) - 1;
}

/* The followed file whose inode path (relative to dir) names, or -1. */
static int s_file_at(int dir, const char *path)
{
    struct stat a, b;
    if (!s_on || !path || fstatat(dir, path, &a, 0) < 0)
        return -1;
    for (int i = 0; i < S_FILES; i++)
        if (stat(s_files[i].path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            return i;
    return -1;
}

/* After an open that returned fd: follows it when it is on the database
 * or its WAL, opening that file's undo log the first time. */
static void s_follow(int fd)
{
    if (!s_on || fd < 0)
        return;
    int saved = errno;
    struct stat st, fst;
    for (int i = 0; i < S_FILES; i++) {
        if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) ||
            stat(s_files[i].path, &st) < 0 || st.st_dev != fst.st_dev ||
            st.st_ino != fst.st_ino)
            continue;
        if (fd >= S_FD_MAX)
            s_die("descriptor too high to follow", s_files[i].path);
        pthread_mutex_lock(&s_lock);
        if (s_files[i].undo_fd < 0)
            s_files[i].undo_fd =
                S_REAL(open64)(s_files[i].undo_path,
                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (s_files[i].undo_fd < 0)
            s_die("cannot open the undo log", s_files[i].undo_path);
        atomic_store(&s_fd_file[fd], (unsigned char)(i + 1));
        pthread_mutex_unlock(&s_lock);
        break;
    }
    errno = saved;
}

/* Appends len bytes to file f's undo log, or dies. */
static void s_append(int f, const void *p, size_t len)
{
    const char *c = p;
    while (len > 0) {
        ssize_t w = S_REAL(write)(s_files[f].undo_fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            s_die("cannot write the undo log", strerror(errno));
        c += w;
        len -= (size_t)w;
    }
}

/* Under s_lock: records in f's undo log that the region [off, off + n)
 * of fd is about to change (n: how far a write reaches; for a truncation
 * to off, UINT64_MAX): its old bytes that exist and the file's size. */
static void s_save(int f, int fd, uint64_t off, uint64_t n)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        s_die("fstat failed", strerror(errno));
    uint64_t size = (uint64_t)st.st_size;
    pc_head_t h = {.magic = PC_MAGIC, .off = off, .size = size};
    h.len = off >= size ? 0 : (n < size - off ? n : size - off);
    s_append(f, &h, sizeof h);
    for (uint64_t done = 0; done < h.len;) {
        size_t want = h.len - done < PC_CHUNK ? h.len - done : PC_CHUNK;
        ssize_t r = pread(fd, s_buf, want, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            s_die("cannot read the old bytes",
                  r < 0 ? strerror(errno) : "end of file");
        s_append(f, s_buf, (size_t)r);
        done += (uint64_t)r;
    }
    pc_tail_t t = {.magic = PC_END, .off = off};
    s_append(f, &t, sizeof t);
}

/* Under s_lock: file f is durable up to now; its undo log is emptied. */
static void s_durable(int f)
{
    if (s_files[f].undo_fd >= 0 && S_REAL(ftruncate)(s_files[f].undo_fd, 0) < 0)
        s_die("cannot empty the undo log", strerror(errno));
}

/* Where a write(2) on fd begins. */
static uint64_t s_position(int fd)
{
    if (fcntl(fd, F_GETFL) & O_APPEND) {
        struct stat st;
        return fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos < 0)
        s_die("lseek failed", strerror(errno));
    return (uint64_t)pos;
}

/* ---------------------------------------------------------------- opening
 */

/* An open that would truncate a followed file is not modelled. */
static void s_no_trunc(int dir, const char *path, int flags)
{
    if ((flags & O_TRUNC) && s_file_at(dir, path) >= 0)
        s_die("open with O_TRUNC is not modelled", path);
}

static mode_t s_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE
               ? (mode_t)va_arg(ap, int)
               : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    s_no_trunc(AT_FDCWD, path, flags);
    int fd = S_REAL(open)(path, flags, mode);
    s_follow(fd);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    s_no_trunc(AT_FDCWD, path, flags);
    int fd = S_REAL(open64)(path, flags, mode);
    s_follow(fd);
    return fd;
}

int openat(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    s_no_trunc(dir, path, flags);
    int fd = S_REAL(openat)(dir, path, flags, mode);
    s_follow(fd);
    return fd;
}

int openat64(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    s_no_trunc(dir, path, flags);
    int fd = S_REAL(openat64)(dir, path, flags, mode);
    s_follow(fd);
    return fd;
}

int close(int fd)
{
    if (s_file_of(fd) >= 0)
        atomic_store(&s_fd_file[fd], 0);
    return S_REAL(close)(fd);
}

/* A copy of a followed descriptor is followed too. */
static int s_copied(int from, int to)
{
    if (!s_on || to < 0)
        return to;
    int f = s_file_of(from);
    if (to >= S_FD_MAX) {
        if (f >= 0)
            s_die("descriptor too high to follow", s_files[f].path);
        return to;
    }
    atomic_store(&s_fd_file[to], (unsigned char)(f + 1));
    return to;
}

int dup(int fd)
{
    return s_copied(fd, S_REAL(dup)(fd));
}

int dup2(int fd, int to)
{
    return s_copied(fd, S_REAL(dup2)(fd, to));
}

int dup3(int fd, int to, int flags)
{
    return s_copied(fd, S_REAL(dup3)(fd, to, flags));
}

/* ---------------------------------------------------------------- writing
 */

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(pwrite)(fd, buf, n, off);
    pthread_mutex_lock(&s_lock);
    s_save(f, fd, (uint64_t)off, n);
    ssize_t r = S_REAL(pwrite)(fd, buf, n, off);
    int e = errno;
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(pwrite64)(fd, buf, n, off);
    pthread_mutex_lock(&s_lock);
    s_save(f, fd, (uint64_t)off, n);
    ssize_t r = S_REAL(pwrite64)(fd, buf, n, off);
    int e = errno;
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(write)(fd, buf, n);
    pthread_mutex_lock(&s_lock);
    s_save(f, fd, s_position(fd), n);
    ssize_t r = S_REAL(write)(fd, buf, n);
    int e = errno;
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(writev)(fd, iov, iovcnt);
    uint64_t n = 0;
    for (int i = 0; i < iovcnt; i++)
        n += iov[i].iov_len;
    pthread_mutex_lock(&s_lock);
    s_save(f, fd, s_position(fd), n);
    ssize_t r = S_REAL(writev)(fd, iov, iovcnt);
    int e = errno;
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

int ftruncate(int fd, off_t len)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(ftruncate)(fd, len);
    pthread_mutex_lock(&s_lock);
    s_save(f, fd, (uint64_t)len, UINT64_MAX);
    int r = S_REAL(ftruncate)(fd, len);
    int e = errno;
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

int ftruncate64(int fd, off64_t len)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(ftruncate64)(fd, len);
    pthread_mutex_lock(&s_lock);
    s_save(f, fd, (uint64_t)len, UINT64_MAX);
    int r = S_REAL(ftruncate64)(fd, len);
    int e = errno;
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

/* ---------------------------------------------------------------- syncing
 */

int fsync(int fd)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(fsync)(fd);
    pthread_mutex_lock(&s_lock);
    int r = S_REAL(fsync)(fd);
    int e = errno;
    if (r == 0)
        s_durable(f);
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

int fdatasync(int fd)
{
    int f = s_file_of(fd);
    if (f < 0)
        return S_REAL(fdatasync)(fd);
    pthread_mutex_lock(&s_lock);
    int r = S_REAL(fdatasync)(fd);
    int e = errno;
    if (r == 0)
        s_durable(f);
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

void sync(void)
{
    if (!s_on) {
        S_REAL(sync)();
        return;
    }
    pthread_mutex_lock(&s_lock);
    S_REAL(sync)();
    for (int i = 0; i < S_FILES; i++)
        s_durable(i);
    pthread_mutex_unlock(&s_lock);
}

/* Both files are in one folder, so on one file system: all of it. */
int syncfs(int fd)
{
    if (!s_on)
        return S_REAL(syncfs)(fd);
    pthread_mutex_lock(&s_lock);
    int r = S_REAL(syncfs)(fd);
    int e = errno;
    for (int i = 0; r == 0 && i < S_FILES; i++)
        s_durable(i);
    pthread_mutex_unlock(&s_lock);
    errno = e;
    return r;
}

/* ------------------------------------------------------ removing a file
 */

/* A removed file's name is taken as gone at once (directory entries are
 * not modelled), and nothing of it is left to undo. */
static void s_removed(int f)
{
    pthread_mutex_lock(&s_lock);
    s_durable(f);
    pthread_mutex_unlock(&s_lock);
}

int unlink(const char *path)
{
    int f = s_file_at(AT_FDCWD, path);
    int r = S_REAL(unlink)(path);
    if (r == 0 && f >= 0) {
        int e = errno;
        s_removed(f);
        errno = e;
    }
    return r;
}

int unlinkat(int dir, const char *path, int flags)
{
    int f = s_file_at(dir, path);
    int r = S_REAL(unlinkat)(dir, path, flags);
    if (r == 0 && f >= 0) {
        int e = errno;
        s_removed(f);
        errno = e;
    }
    return r;
}

/* ------------------------------------------- what the model does not cover
 */

static void s_refuse(const char *what, int fd)
{
    int f = s_file_of(fd);
    if (f >= 0)
        s_die(what, s_files[f].path);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if ((prot & PROT_WRITE) && (flags & MAP_SHARED))
        s_refuse("a shared writable mapping is not modelled", fd);
    return S_REAL(mmap)(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    if ((prot & PROT_WRITE) && (flags & MAP_SHARED))
        s_refuse("a shared writable mapping is not modelled", fd);
    return S_REAL(mmap64)(addr, len, prot, flags, fd, off);
}

/* Passes name through, unless fd is followed: then regied aborts. */
#define S_GUARD(ret, name, params, args, fd)                                   \
    static void *s_real_##name;                                                \
    ret name params                                                            \
    {                                                                          \
        s_refuse(#name " is not modelled", fd);                                \
        return S_REAL(name) args;                                              \
    }
S_GUARD(ssize_t, pwritev, (int fd, const struct iovec *v, int n, off_t o),
        (fd, v, n, o), fd)
S_GUARD(ssize_t, pwritev64, (int fd, const struct iovec *v, int n, off64_t o),
        (fd, v, n, o), fd)
S_GUARD(ssize_t, pwritev2,
        (int fd, const struct iovec *v, int n, off_t o, int flags),
        (fd, v, n, o, flags), fd)
S_GUARD(int, fallocate, (int fd, int mode, off_t o, off_t len),
        (fd, mode, o, len), fd)
S_GUARD(int, fallocate64, (int fd, int mode, off64_t o, off64_t len),
        (fd, mode, o, len), fd)
S_GUARD(int, posix_fallocate, (int fd, off_t o, off_t len), (fd, o, len), fd)
S_GUARD(int, posix_fallocate64, (int fd, off64_t o, off64_t len), (fd, o, len),
        fd)
S_GUARD(ssize_t, copy_file_range,
        (int in, off64_t *ino, int fd, off64_t *o, size_t n, unsigned fl),
        (in, ino, fd, o, n, fl), fd)

int truncate(const char *path, off_t len)
{
    static void *s_real_truncate;
    if (s_file_at(AT_FDCWD, path) >= 0)
        s_die("truncate by name is not modelled", path);
    return S_REAL(truncate)(path, len);
}

int truncate64(const char *path, off64_t len)
{
    static void *s_real_truncate64;
    if (s_file_at(AT_FDCWD, path) >= 0)
        s_die("truncate by name is not modelled", path);
    return S_REAL(truncate64)(path, len);
}

#else /* POWERCUT_RESTORE */

/*
 * powercut-restore DATABASE: for DATABASE and DATABASE-wal, applies the
 * complete records of <file>.undo newest first (the saved bytes back,
 * then the old size), syncs the file and removes the log. Prints one line
 * per file. Exit status 0, or 1 when a log is damaged or a file cannot
 * be restored (the undo log is then left in place).
 */

/* Everything the log holds: the offsets of its complete records. */
typedef struct {
    off_t *at;
    size_t n;
    int torn; /* a last record without its tail */
} s_log_t;

static int s_read_at(int fd, void *p, size_t len, off_t off)
{
    char *c = p;
    while (len > 0) {
        ssize_t r = pread(fd, c, len, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        len -= (size_t)r;
        off += r;
    }
    return 0;
}

/* Reads the record offsets of undo (size bytes); -1 on a damaged log.
 * Only the last record can lack its tail (regied died writing it). */
static int s_scan(int undo, off_t size, s_log_t *log, const char *name)
{
    off_t pos = 0;
    while (pos < size) {
        pc_head_t h;
        pc_tail_t t;
        if (size - pos < (off_t)sizeof h) {
            log->torn = 1;
            break;
        }
        if (s_read_at(undo, &h, sizeof h, pos) < 0 || h.magic != PC_MAGIC)
            goto damaged;
        if (h.len > (uint64_t)size ||
            size - pos < (off_t)(sizeof h + h.len + sizeof t)) {
            log->torn = 1;
            break;
        }
        off_t tail_at = pos + (off_t)(sizeof h + h.len);
        if (s_read_at(undo, &t, sizeof t, tail_at) < 0 || t.magic != PC_END ||
            t.off != h.off)
            goto damaged;
        off_t *at = realloc(log->at, (log->n + 1) * sizeof *at);
        if (!at) {
            fprintf(stderr, "powercut-restore: out of memory\n");
            return -1;
        }
        log->at = at;
        log->at[log->n++] = pos;
        pos = tail_at + (off_t)sizeof t;
    }
    return 0;
damaged:
    fprintf(stderr, "powercut-restore: %s: damaged record at %lld\n", name,
            (long long)pos);
    return -1;
}

/* Copies len bytes from undo at from to fd at to. */
static int s_copy(int undo, off_t from, int fd, off_t to, uint64_t len)
{
    static char buf[PC_CHUNK];
    while (len > 0) {
        size_t want = len < PC_CHUNK ? (size_t)len : PC_CHUNK;
        if (s_read_at(undo, buf, want, from) < 0 ||
            pwrite(fd, buf, want, to) != (ssize_t)want)
            return -1;
        from += (off_t)want;
        to += (off_t)want;
        len -= want;
    }
    return 0;
}

/* Undoes the log's records in fd, newest first; bytes: how many went
 * back. */
static int s_apply(int undo, const s_log_t *log, int fd, uint64_t *bytes)
{
    for (size_t i = log->n; i-- > 0;) {
        pc_head_t h;
        if (s_read_at(undo, &h, sizeof h, log->at[i]) < 0 ||
            s_copy(undo, log->at[i] + (off_t)sizeof h, fd, (off_t)h.off,
                   h.len) < 0 ||
            ftruncate(fd, (off_t)h.size) < 0)
            return -1;
        *bytes += h.len;
    }
    return fsync(fd);
}

static off_t s_size_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* Restores path from path.undo; prints what it did. */
static int s_restore(const char *path)
{
    char undo_path[4096];
    snprintf(undo_path, sizeof undo_path, "%s.undo", path);
    int undo = open(undo_path, O_RDONLY | O_CLOEXEC);
    if (undo < 0 && errno == ENOENT) {
        printf("powercut-restore: %s: no undo log\n", path);
        return 0;
    }
    s_log_t log = {0};
    int fd = -1, rc = -1;
    uint64_t bytes = 0;
    off_t before = -1;
    if (undo < 0 || s_scan(undo, s_size_of(undo), &log, undo_path) < 0)
        goto done;
    if (log.n > 0 && (fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
        goto done;
    before = fd >= 0 ? s_size_of(fd) : -1;
    if (fd >= 0 && s_apply(undo, &log, fd, &bytes) < 0)
        goto done;
    if (unlink(undo_path) < 0)
        goto done;
    if (fd >= 0)
        printf("powercut-restore: %s: %zu writes undone (%llu bytes back), "
               "size %lld -> %lld%s\n",
               path, log.n, (unsigned long long)bytes, (long long)before,
               (long long)s_size_of(fd),
               log.torn ? "; a torn last record ignored" : "");
    else
        printf("powercut-restore: %s: nothing to undo%s\n", path,
               log.torn ? "; a torn last record ignored" : "");
    rc = 0;
done:
    if (rc < 0)
        fprintf(stderr, "powercut-restore: %s: %s\n", path,
                errno ? strerror(errno) : "failed");
    free(log.at);
    if (fd >= 0)
        close(fd);
    if (undo >= 0)
        close(undo);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: powercut-restore DATABASE\n");
        return 2;
    }
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", argv[1]);
    int rc = s_restore(argv[1]) < 0;
    rc |= s_restore(wal) < 0;
    return rc;
}

#endif /* POWERCUT_RESTORE */

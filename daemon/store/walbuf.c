/*
 * walbuf — the WAL write buffer (see walbuf.h). A file of this VFS is
 * the default VFS's file with a header of ours before it; the methods
 * pass every call on, but for the buffered WAL's and the two shared-
 * memory calls of its database file.
 */
#include "walbuf.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bytes buffered before they are written anyway: the most the unix VFS
 * writes in one call (seekAndWriteFd keeps 17 bits of the length; a
 * longer write is cut short and reported as a full disk), in whole 4 KiB
 * pages. */
#define S_CAP (0x1ffff & ~4095)

typedef struct s_file s_file_t;

struct s_file {
    sqlite3_file base;  /* pMethods: s_methods */
    sqlite3_file *real; /* the default VFS's file, after this struct */
    s_file_t *peer;     /* the WAL of a database file, or the reverse */
    bool wal;           /* this is a WAL file */
    bool buffering;     /* a linked WAL: writes are buffered */
    unsigned char *buf; /* the buffered bytes, S_CAP, or NULL */
    size_t n;           /* bytes in buf */
    sqlite3_int64 at;   /* the offset of buf[0] */
    int failed;         /* an error of a flush no caller could get */
};

static sqlite3_vfs s_vfs;
static sqlite3_vfs *s_base; /* the default VFS */
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static bool s_registered;

static const sqlite3_io_methods s_methods;

#define S_REAL(f) (((s_file_t *)(f))->real)

/* Writes the buffer out. Returns an SQLite result code. */
static int s_flush(s_file_t *f)
{
    int rc = SQLITE_OK;
    if (f->n > 0)
        rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->n, f->at);
    f->n = 0;
    return rc;
}

/* Flushes before a call that must see the file as written; returns the
 * error of this flush or of an earlier one that had no caller. */
static int s_before(s_file_t *f)
{
    int rc = s_flush(f);
    if (rc == SQLITE_OK && f->failed) {
        rc = f->failed;
        f->failed = SQLITE_OK;
    }
    return rc;
}

static int s_close(sqlite3_file *file)
{
    s_file_t *f = (s_file_t *)file;
    int rc = f->wal ? s_before(f) : SQLITE_OK;
    if (f->peer)
        f->peer->peer = NULL;
    f->peer = NULL;
    free(f->buf);
    f->buf = NULL;
    int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real)
                                : SQLITE_OK;
    return rc != SQLITE_OK ? rc : rc2;
}

static int s_read(sqlite3_file *file, void *p, int amt, sqlite3_int64 off)
{
    s_file_t *f = (s_file_t *)file;
    int rc = f->wal ? s_before(f) : SQLITE_OK;
    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xRead(f->real, p, amt, off);
}

static int s_write(sqlite3_file *file, const void *p, int amt,
                   sqlite3_int64 off)
{
    s_file_t *f = (s_file_t *)file;
    if (!f->buffering)
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    if (f->n > 0 && (off != f->at + (sqlite3_int64)f->n ||
                     f->n + (size_t)amt > S_CAP)) {
        int rc = s_before(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    if ((size_t)amt > S_CAP)
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    if (!f->buf && !(f->buf = malloc(S_CAP)))
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    if (f->n == 0)
        f->at = off;
    memcpy(f->buf + f->n, p, (size_t)amt);
    f->n += (size_t)amt;
    return SQLITE_OK;
}

static int s_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    s_file_t *f = (s_file_t *)file;
    int rc = f->wal ? s_before(f) : SQLITE_OK;
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int s_sync(sqlite3_file *file, int flags)
{
    s_file_t *f = (s_file_t *)file;
    int rc = f->wal ? s_before(f) : SQLITE_OK;
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int s_size(sqlite3_file *file, sqlite3_int64 *size)
{
    s_file_t *f = (s_file_t *)file;
    int rc = f->wal ? s_before(f) : SQLITE_OK;
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int s_lock(sqlite3_file *file, int level)
{
    return S_REAL(file)->pMethods->xLock(S_REAL(file), level);
}

static int s_unlock(sqlite3_file *file, int level)
{
    return S_REAL(file)->pMethods->xUnlock(S_REAL(file), level);
}

static int s_reserved(sqlite3_file *file, int *out)
{
    return S_REAL(file)->pMethods->xCheckReservedLock(S_REAL(file), out);
}

static int s_control(sqlite3_file *file, int op, void *arg)
{
    return S_REAL(file)->pMethods->xFileControl(S_REAL(file), op, arg);
}

static int s_sector(sqlite3_file *file)
{
    return S_REAL(file)->pMethods->xSectorSize(S_REAL(file));
}

static int s_device(sqlite3_file *file)
{
    return S_REAL(file)->pMethods->xDeviceCharacteristics(S_REAL(file));
}

static int s_shm_map(sqlite3_file *file, int page, int size, int extend,
                     void volatile **p)
{
    return S_REAL(file)->pMethods->xShmMap(S_REAL(file), page, size, extend,
                                           p);
}

/* The database file's WAL, flushed: its frames reach the file before
 * another connection can be told of them. A failure is kept for the
 * WAL's next call. */
static void s_flush_peer(s_file_t *f)
{
    s_file_t *w = f->wal ? NULL : f->peer;
    if (w && w->n > 0) {
        int rc = s_flush(w);
        if (rc != SQLITE_OK && !w->failed)
            w->failed = rc;
    }
}

static int s_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    if (flags & SQLITE_SHM_UNLOCK)
        s_flush_peer((s_file_t *)file);
    return S_REAL(file)->pMethods->xShmLock(S_REAL(file), offset, n, flags);
}

static void s_shm_barrier(sqlite3_file *file)
{
    s_flush_peer((s_file_t *)file);
    S_REAL(file)->pMethods->xShmBarrier(S_REAL(file));
}

static int s_shm_unmap(sqlite3_file *file, int delete_flag)
{
    return S_REAL(file)->pMethods->xShmUnmap(S_REAL(file), delete_flag);
}

static int s_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
    s_file_t *f = (s_file_t *)file;
    int rc = f->wal ? s_before(f) : SQLITE_OK;
    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int s_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    return S_REAL(file)->pMethods->xUnfetch(S_REAL(file), off, p);
}

static const sqlite3_io_methods s_methods = {
    .iVersion = 3,
    .xClose = s_close,
    .xRead = s_read,
    .xWrite = s_write,
    .xTruncate = s_truncate,
    .xSync = s_sync,
    .xFileSize = s_size,
    .xLock = s_lock,
    .xUnlock = s_unlock,
    .xCheckReservedLock = s_reserved,
    .xFileControl = s_control,
    .xSectorSize = s_sector,
    .xDeviceCharacteristics = s_device,
    .xShmMap = s_shm_map,
    .xShmLock = s_shm_lock,
    .xShmBarrier = s_shm_barrier,
    .xShmUnmap = s_shm_unmap,
    .xFetch = s_fetch,
    .xUnfetch = s_unfetch,
};

static int s_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
                  int flags, int *out_flags)
{
    s_file_t *f = (s_file_t *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = s_base->xOpen(s_base, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        /* SQLite calls xClose when pMethods is set, not otherwise. */
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        f->base.pMethods = NULL;
        return rc;
    }
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->base.pMethods = &s_methods;
    return SQLITE_OK;
}

static void s_init(void)
{
    s_base = sqlite3_vfs_find(NULL);
    if (!s_base || s_base->iVersion < 3)
        return;
    s_vfs = *s_base;
    s_vfs.zName = WALBUF_VFS;
    s_vfs.pNext = NULL;
    s_vfs.szOsFile = (int)sizeof(s_file_t) + s_base->szOsFile;
    s_vfs.xOpen = s_open;
    /* The system-call hooks are the base's, which owns them. */
    s_registered = sqlite3_vfs_register(&s_vfs, 0) == SQLITE_OK;
}

const char *walbuf_register(void)
{
    pthread_once(&s_once, s_init);
    return s_registered ? WALBUF_VFS : NULL;
}

bool walbuf_attach(sqlite3 *db)
{
    sqlite3_file *main_file = NULL, *wal_file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER,
                             &main_file) != SQLITE_OK ||
        sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                             &wal_file) != SQLITE_OK ||
        !main_file || !wal_file || main_file->pMethods != &s_methods ||
        wal_file->pMethods != &s_methods)
        return false;
    s_file_t *m = (s_file_t *)main_file, *w = (s_file_t *)wal_file;
    if (!w->wal || m->wal)
        return false;
    m->peer = w;
    w->peer = m;
    w->buffering = true;
    return true;
}

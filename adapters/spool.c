/*
 * spool — the spool folder of an adapter (see spool.h): naming rules,
 * claiming by rename, moving to done/ and failed/ with the .error file
 * first, inotify on the folder. Moves use renameat2(RENAME_NOREPLACE), so
 * no file is ever overwritten, with link+unlink where the file system
 * lacks it; each is made durable by fsync of the folders involved.
 */
#include "spool.h"

#include "log.h"
#include "xmem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_WARNED_MAX 256 /* names warned about, at most */

struct spool {
    char *folder;  /* the spool folder */
    char **ext;    /* extensions taken, NULL-terminated */
    int settle_ms; /* 0, or how long a file must be unchanged */
    int ifd;       /* inotify descriptor, or -1 */
    char **warned; /* names of files not taken, warned about once */
    size_t nwarned;
};

/* A file of the folder that may be claimed. */
typedef struct {
    char *name;
    struct timespec mtime;
} s_entry_t;

static const char *const s_subs[] = {"work", "done", "failed"};
static const char *const s_partial[] = {".tmp", ".part", ".partial",
                                        ".filepart"};

/* Whether name ends in suffix, without case. */
static bool s_ends(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcasecmp(name + n - k, suffix) == 0;
}

/* fsyncs a folder so that a rename in it survives a power loss. */
static void s_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0)
        log_warn("spool: cannot sync folder=%s error=\"%s\"", path,
                 strerror(errno));
    if (fd >= 0)
        close(fd);
}

/* Renames from to to unless to exists (errno EEXIST then). */
static int s_rename_new(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* No RENAME_NOREPLACE here: link fails on an existing name too. */
    if (link(from, to) != 0)
        return -1;
    if (unlink(from) != 0) {
        int saved = errno;
        unlink(to);
        errno = saved;
        return -1;
    }
    return 0;
}

spool_t *spool_open(const char *folder, const char *const *extensions,
                    int settle_ms, char *err, size_t errlen)
{
    spool_t *self = xcalloc(1, sizeof *self);
    self->folder = xstrdup(folder);
    self->settle_ms = settle_ms;
    self->ifd = -1;
    size_t n = 0;
    while (extensions[n])
        n++;
    self->ext = xcalloc(n + 1, sizeof *self->ext);
    for (size_t i = 0; i < n; i++)
        self->ext[i] = xstrdup(extensions[i]);
    for (size_t i = 0; i < 3; i++) {
        char *sub = spool_path(self, s_subs[i], NULL);
        int rc = mkdir(sub, 0777);
        if (rc != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot make %s: %s", sub, strerror(errno));
            free(sub);
            spool_destroy(&self);
            return NULL;
        }
        free(sub);
    }
    self->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (self->ifd < 0 ||
        inotify_add_watch(self->ifd, folder,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
        log_warn("spool: cannot watch folder=%s error=\"%s\"; it is read "
                 "every rescan only",
                 folder, strerror(errno));
        if (self->ifd >= 0)
            close(self->ifd);
        self->ifd = -1;
    }
    return self;
}

void spool_destroy(spool_t **p)
{
    if (!p || !*p)
        return;
    spool_t *self = *p;
    if (self->ifd >= 0)
        close(self->ifd);
    for (size_t i = 0; self->ext && self->ext[i]; i++)
        free(self->ext[i]);
    free(self->ext);
    for (size_t i = 0; i < self->nwarned; i++)
        free(self->warned[i]);
    free(self->warned);
    free(self->folder);
    free(self);
    *p = NULL;
}

int spool_fd(const spool_t *self)
{
    return self->ifd;
}

void spool_drain(spool_t *self)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (self->ifd >= 0 && read(self->ifd, buf, sizeof buf) > 0)
        ; /* the events only wake the caller, who reads the folder */
}

/* Whether name is a dot-name or an upload still in progress. */
static bool s_partial_name(const char *name)
{
    if (name[0] == '.')
        return true;
    for (size_t i = 0; i < sizeof s_partial / sizeof *s_partial; i++)
        if (s_ends(name, s_partial[i]))
            return true;
    return false;
}

/* Whether name ends in one of the extensions. */
static bool s_ext_ok(const spool_t *self, const char *name)
{
    for (size_t i = 0; self->ext[i]; i++)
        if (s_ends(name, self->ext[i]))
            return true;
    return false;
}

bool spool_name_ok(const spool_t *self, const char *name)
{
    return !s_partial_name(name) && s_ext_ok(self, name);
}

char *spool_path(const spool_t *self, const char *sub, const char *name)
{
    if (!sub && !name)
        return xstrdup(self->folder);
    if (!sub || !name)
        return xasprintf("%s/%s", self->folder, sub ? sub : name);
    return xasprintf("%s/%s/%s", self->folder, sub, name);
}

/* Logs once that a file is left alone because of its name. */
static void s_warn_name(spool_t *self, const char *name)
{
    for (size_t i = 0; i < self->nwarned; i++)
        if (strcmp(self->warned[i], name) == 0)
            return;
    if (self->nwarned == S_WARNED_MAX)
        return;
    self->warned =
        xrealloc(self->warned, (self->nwarned + 1) * sizeof *self->warned);
    self->warned[self->nwarned++] = xstrdup(name);
    log_warn("spool: file left alone, its name does not end in a known "
             "extension folder=%s file=%s",
             self->folder, name);
}

static int s_cmp_entry(const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Milliseconds since t (realtime clock); negative when t is ahead. */
static int64_t s_age_ms(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)(now.tv_sec - t->tv_sec) * 1000 +
           (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Whether entry name of folder fd is a file to take now; else may lower
 * *wait_ms for a file that is settling. */
static bool s_candidate(spool_t *self, int dfd, const char *name, bool claiming,
                        struct timespec *mtime, int64_t *wait_ms)
{
    if (claiming ? s_partial_name(name) : name[0] == '.')
        return false;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode))
        return false;
    if (claiming && !s_ext_ok(self, name)) {
        s_warn_name(self, name);
        return false;
    }
    *mtime = st.st_mtim;
    int64_t age = s_age_ms(&st.st_mtim);
    if (claiming && self->settle_ms > 0 && age < self->settle_ms) {
        int64_t left = self->settle_ms - (age < 0 ? 0 : age);
        if (*wait_ms < 0 || left < *wait_ms)
            *wait_ms = left;
        return false;
    }
    return true;
}

/* Lists the files of dir to take, sorted (by name in work/, else by
 * age). Returns how many (*out owned by the caller); -1 after logging. */
static int s_list(spool_t *self, const char *dir, bool claiming,
                  s_entry_t **out, int64_t *wait_ms)
{
    DIR *d = opendir(dir);
    if (!d) {
        log_err("spool: cannot read folder=%s error=\"%s\"", dir,
                strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 0;
    s_entry_t *list = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct timespec mtime;
        if (!s_candidate(self, dirfd(d), e->d_name, claiming, &mtime, wait_ms))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            list = xrealloc(list, cap * sizeof *list);
        }
        list[n].name = xstrdup(e->d_name);
        list[n++].mtime = claiming ? mtime : (struct timespec){0, 0};
    }
    closedir(d);
    if (n > 1)
        qsort(list, n, sizeof *list, s_cmp_entry);
    *out = list;
    return (int)n;
}

static void s_free_list(s_entry_t *list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i].name);
    free(list);
}

/* Claims the first file of list that can be renamed into work/. */
static char *s_claim(spool_t *self, const s_entry_t *list, int n)
{
    char *work = spool_path(self, "work", NULL);
    char *got = NULL;
    for (int i = 0; i < n && !got; i++) {
        char *from = spool_path(self, NULL, list[i].name);
        char *to = spool_path(self, "work", list[i].name);
        if (s_rename_new(from, to) == 0) {
            s_sync_dir(work);
            s_sync_dir(self->folder);
            got = xstrdup(list[i].name);
            log_info("spool: claimed file=%s", got);
        } else if (errno != ENOENT) {
            log_err("spool: cannot claim file=%s error=\"%s\"", list[i].name,
                    strerror(errno));
        }
        free(from);
        free(to);
    }
    free(work);
    return got;
}

char *spool_next(spool_t *self, int64_t *wait_ms)
{
    *wait_ms = -1;
    s_entry_t *list = NULL;
    char *work = spool_path(self, "work", NULL);
    int n = s_list(self, work, false, &list, wait_ms);
    free(work);
    if (n > 0) {
        char *name = xstrdup(list[0].name);
        s_free_list(list, n);
        return name;
    }
    s_free_list(list, n < 0 ? 0 : n);
    n = s_list(self, self->folder, true, &list, wait_ms);
    char *name = n > 0 ? s_claim(self, list, n) : NULL;
    s_free_list(list, n < 0 ? 0 : n);
    return name;
}

int spool_read(const spool_t *self, const char *name, char **data, size_t *len,
               char *err, size_t errlen)
{
    char *path = spool_path(self, "work", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    int rc = -1;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    } else if ((size_t)st.st_size > SPOOL_MAX_FILE) {
        snprintf(err, errlen, "%s is larger than %u MiB", name,
                 SPOOL_MAX_FILE >> 20);
        errno = EFBIG;
    } else {
        size_t want = (size_t)st.st_size, got = 0;
        char *buf = xmalloc(want + 1);
        ssize_t r = 1;
        while (got < want && (r = read(fd, buf + got, want - got)) > 0)
            got += (size_t)r;
        if (r < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            free(buf);
        } else {
            buf[got] = '\0'; /* a file that shrank is read as it is now */
            *data = buf;
            *len = got;
            rc = 0;
        }
    }
    int saved = errno;
    if (fd >= 0)
        close(fd);
    free(path);
    errno = saved;
    return rc;
}

/* Returns candidate k for name: name, then stem.k.ext. */
static char *s_candidate_name(const char *name, int k)
{
    if (k == 0)
        return xstrdup(name);
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return xasprintf("%s.%d", name, k);
    return xasprintf("%.*s.%d%s", (int)(dot - name), name, k, dot);
}

/* Writes text to path through a dot-named file beside it, synced. */
static int s_write_file(const char *dir, const char *name, const char *text)
{
    char *tmp = xasprintf("%s/.%s.tmp", dir, name);
    char *path = xasprintf("%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    size_t len = strlen(text), off = 0;
    ssize_t w = 1;
    while (fd >= 0 && off < len && (w = write(fd, text + off, len - off)) > 0)
        off += (size_t)w;
    int rc = fd >= 0 && off == len && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc != 0) {
        log_err("spool: cannot write file=%s error=\"%s\"", path,
                strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(path);
    return rc;
}

/* Tries to move from to dir/cand, writing report (if any) to
 * dir/cand.error first. Returns 1 when moved, 0 when cand is taken, -1
 * after logging. */
static int s_try(const char *from, const char *dir, const char *cand,
                 const char *report)
{
    char *to = xasprintf("%s/%s", dir, cand);
    char *errname = xasprintf("%s.error", cand);
    int rc = -1;
    if (access(to, F_OK) == 0)
        rc = 0;
    else if (errno != ENOENT)
        log_err("spool: cannot look at file=%s error=\"%s\"", to,
                strerror(errno));
    else if (report && s_write_file(dir, errname, report) < 0)
        rc = -1;
    else if (s_rename_new(from, to) == 0)
        rc = 1;
    else if (errno == EEXIST)
        rc = 0; /* taken between the look and the move */
    else
        log_err("spool: cannot move file=%s to=%s error=\"%s\"", from, to,
                strerror(errno));
    free(errname);
    free(to);
    return rc;
}

/* Moves work/name into sub/ under a free name (see spool_done); with
 * report, writes <that name>.error first. */
static int s_finish(spool_t *self, const char *name, const char *sub,
                    const char *report, char **final)
{
    char *from = spool_path(self, "work", name);
    char *dir = spool_path(self, sub, NULL);
    int rc = 0;
    char *cand = NULL;
    for (int k = 0; k < 10000 && rc == 0; k++) {
        free(cand);
        cand = s_candidate_name(name, k);
        rc = s_try(from, dir, cand, report);
    }
    if (rc == 1) {
        char *work = spool_path(self, "work", NULL);
        s_sync_dir(dir);
        s_sync_dir(work);
        free(work);
        if (final)
            *final = cand;
        else
            free(cand);
    } else {
        free(cand);
    }
    free(from);
    free(dir);
    return rc == 1 ? 0 : -1;
}

int spool_done(spool_t *self, const char *name, char **final)
{
    return s_finish(self, name, "done", NULL, final);
}

int spool_failed(spool_t *self, const char *name, const char *report,
                 char **final)
{
    return s_finish(self, name, "failed", report, final);
}

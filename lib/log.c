/*
 * log — levelled logging to stderr for regied, regiectl and the adapters.
 * State is two atomic integers (the level changes on a reload) and, per
 * thread, the lines held by log_hold; log_msg is safe from any thread.
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Held lines are written in pieces of at most this many bytes, each of
 * whole lines: a write to a pipe is atomic up to PIPE_BUF (4096). */
#define S_HOLD_MAX 4096

static atomic_int s_level = LOG_LEVEL_INFO;
static atomic_int s_prefix = -1; /* -1: decide on first use */

/* This thread's held lines (log_hold). */
static _Thread_local struct {
    int depth; /* log_hold calls not yet released */
    size_t n;  /* bytes in buf */
    char buf[S_HOLD_MAX];
} s_held;

static const char *s_names[] = {
    [LOG_LEVEL_ERR] = "error", [LOG_LEVEL_WARNING] = "warning",
    [LOG_LEVEL_NOTICE] = "notice", [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(int level)
{
    atomic_store(&s_level, level);
}

int log_level_parse(const char *name)
{
    for (int i = LOG_LEVEL_ERR; i <= LOG_LEVEL_DEBUG; i++)
        if (name && strcmp(name, s_names[i]) == 0)
            return i;
    return -1;
}

void log_set_prefix(bool on)
{
    atomic_store(&s_prefix, on);
}

/* Writes this thread's held lines, if any. */
static void s_flush(void)
{
    if (s_held.n > 0) {
        ssize_t w = write(STDERR_FILENO, s_held.buf, s_held.n);
        (void)w;
    }
    s_held.n = 0;
}

/* Writes fmt as one line, prefixed "<N>" (prefixes on), "word: " (off,
 * when word), or nothing; held when this thread holds its lines. */
__attribute__((format(printf, 3, 0))) static void
s_write(int level, bool word, const char *fmt, va_list ap)
{
    int prefix = atomic_load(&s_prefix);
    if (prefix < 0) {
        prefix = !isatty(STDERR_FILENO);
        atomic_store(&s_prefix, prefix);
    }
    char line[2048];
    size_t n = 0;
    if (prefix)
        n = (size_t)snprintf(line, sizeof line, "<%d>", level);
    else if (word && level <= LOG_LEVEL_WARNING)
        n = (size_t)snprintf(line, sizeof line, "%s: ", s_names[level]);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    if (m < 0)
        return;
    n += (size_t)m;
    if (n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    if (s_held.depth > 0) {
        if (s_held.n + n > sizeof s_held.buf)
            s_flush();
        memcpy(s_held.buf + s_held.n, line, n);
        s_held.n += n;
        return;
    }
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void log_hold(void)
{
    s_held.depth++;
}

void log_release(void)
{
    if (s_held.depth > 0 && --s_held.depth == 0)
        s_flush();
}

void log_msg(int level, const char *fmt, ...)
{
    if (level > atomic_load_explicit(&s_level, memory_order_relaxed))
        return;
    va_list ap;
    va_start(ap, fmt);
    s_write(level, true, fmt, ap);
    va_end(ap);
}

void log_plain(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_write(level, false, fmt, ap);
    va_end(ap);
}

/*
 * log — levelled logging to stderr for regied, regiectl and the adapters.
 * State is two integers set at start-up; log_msg is safe from any thread.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int s_level = LOG_LEVEL_INFO;
static int s_prefix = -1; /* -1: decide on first use */

static const char *s_names[] = {
    [LOG_LEVEL_ERR] = "error", [LOG_LEVEL_WARNING] = "warning",
    [LOG_LEVEL_NOTICE] = "notice", [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(int level)
{
    s_level = level;
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
    s_prefix = on;
}

/* Writes fmt as one line, prefixed "<N>" (prefixes on), "word: " (off,
 * when word), or nothing. */
__attribute__((format(printf, 3, 0))) static void
s_write(int level, bool word, const char *fmt, va_list ap)
{
    if (s_prefix < 0)
        s_prefix = !isatty(STDERR_FILENO);
    char line[2048];
    size_t n = 0;
    if (s_prefix)
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
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void log_msg(int level, const char *fmt, ...)
{
    if (level > s_level)
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

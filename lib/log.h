/*
 * log — one line per event on stderr, with the <N> priority prefix that
 * journald understands. A line reads "module: event key=value ...".
 * Never log a BSN, a note or a message body. Safe from any thread: each
 * line is one write(2), or lines held by a thread are written together.
 */
#ifndef REGIE_LOG_H
#define REGIE_LOG_H

#include <stdbool.h>

enum {
    LOG_LEVEL_ERR = 3,
    LOG_LEVEL_WARNING = 4,
    LOG_LEVEL_NOTICE = 5,
    LOG_LEVEL_INFO = 6,
    LOG_LEVEL_DEBUG = 7
};

/* Sets the most verbose level written (default LOG_LEVEL_INFO). */
void log_set_level(int level);

/* Parses "error", "warning", "notice", "info" or "debug"; -1 if unknown. */
int log_level_parse(const char *name);

/* Writes the "<N>" prefix only when true (default: when stderr is not a
 * terminal, as under systemd). */
void log_set_prefix(bool on);

/* Writes one line at the given level, when the level is enabled. */
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes one line of text at level whatever the level setting: with the
 * "<N>" prefix when prefixes are on, else as it is (no "error: " word).
 * For messages that are themselves the output, like the "file:line:
 * message" of a configuration error. */
void log_plain(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Holds the lines this thread writes from now on, and writes them at
 * the matching log_release with as few write(2) calls as fit (each of
 * whole lines, at most 4096 bytes), instead of one call a line: for the
 * lines of a batch (a write costs more than formatting its line).
 * Calls nest; the outermost release writes. */
void log_hold(void);
void log_release(void);

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif

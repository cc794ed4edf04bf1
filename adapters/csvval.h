/*
 * csvval — the conversions of single CSV cells into RRP values, for the
 * csvmap module: dates and timestamps by a partner's format (with the
 * Europe/Amsterdam offset RRP/1 timestamps need), BSNs as spreadsheets
 * write them, Windows-1252 text into UTF-8, and UTF-8 checks. No state.
 *
 * A format holds the tokens %d (day, 1 or 2 digits), %m (month, 1 or 2
 * digits), %Y (year, 4 digits), %H (hour, 1 or 2 digits), %M and %S
 * (minutes and seconds, 2 digits) and %% (a percent sign); every other
 * character must appear as it is. "rfc3339" as a timestamp format takes
 * the text as it is (the daemon checks it).
 */
#ifndef REGIE_CSVVAL_H
#define REGIE_CSVVAL_H

#include <stdbool.h>
#include <stddef.h>

#define CSVVAL_DATE_LEN 10 /* YYYY-MM-DD */
/* The longest timestamp written: YYYY-MM-DDTHH:MM:SS+hh:mm is 25, and
 * "rfc3339" copies up to this many characters (fractions of seconds). */
#define CSVVAL_DATETIME_MAX 40

/* Checks format: only known tokens, each at most once, %d %m %Y all
 * present, and for a date (datetime false) no time token. Returns 0, or
 * -1 with a sentence in err (errlen bytes). */
int csvval_format_check(const char *format, bool datetime, char *err,
                        size_t errlen);

/* Reads a date written by format (checked) from text into out as
 * YYYY-MM-DD. Returns 0, or -1 when text does not match or is no date
 * of the calendar. */
int csvval_date(const char *text, const char *format,
                char out[CSVVAL_DATE_LEN + 1]);

/* Reads a local time in Europe/Amsterdam written by format (checked; a
 * missing time is 00:00:00) from text into out as RFC 3339 with the
 * offset of that day and hour (+01:00, or +02:00 in summer time). With
 * format "rfc3339" copies text (1 to CSVVAL_DATETIME_MAX characters).
 * Returns 0 or -1. */
int csvval_datetime(const char *text, const char *format,
                    char out[CSVVAL_DATETIME_MAX + 1]);

/* Reads a BSN as spreadsheets write it: digits, perhaps with spaces or
 * dots between them, perhaps without the leading zeros a number column
 * drops (1 to 9 digits, padded to 9). Does not check the elfproef (the
 * daemon does). Returns 0 with out set, or -1. */
int csvval_bsn(const char *text, char out[10]);

/* Returns len bytes of Windows-1252 text at data as UTF-8 (owned by the
 * caller, NUL-terminated, *outlen bytes without the NUL); bytes that
 * Windows-1252 leaves undefined become U+FFFD. */
char *csvval_from_cp1252(const char *data, size_t len, size_t *outlen);

/* Returns whether s is valid UTF-8 (no overlong forms, no surrogates). */
bool csvval_utf8(const char *s);

/* Returns a copy of s without leading and trailing spaces and tabs,
 * owned by the caller. */
char *csvval_trim(const char *s);

#endif

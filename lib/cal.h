/*
 * cal — calendar arithmetic in the configured zone (TZ is set from the
 * configuration at start): quiet hours, local days. Times are seconds
 * since the epoch (UTC); local time-of-day survives daylight-saving
 * changes. Stateless.
 */
#ifndef REGIE_CAL_H
#define REGIE_CAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether local time t falls in the quiet hours [start, end), given as
 * minutes after midnight; start == end means no quiet hours. A span that
 * passes midnight (20:00-07:00) is understood. */
bool cal_in_quiet(int64_t t, int start, int end);

/* The first moment at or after t that is outside the quiet hours: t
 * itself when it is outside, else the next local time end. */
int64_t cal_quiet_end(int64_t t, int start, int end);

/* t moved by days local days, keeping the local time of day. */
int64_t cal_add_days(int64_t t, int days);

/* t moved by days working days (Monday to Friday; negative: back),
 * keeping the local time of day. */
int64_t cal_add_working_days(int64_t t, int days);

/* Parses "2026-12-01T09:00:00+01:00" (RFC 3339) or "2026-12-01 09:00"
 * (local time) into *t. Returns 0, or -1 (*t untouched) when it is
 * neither or names a day or a time of day that does not exist. */
int cal_parse(const char *text, int64_t *t);

/* The local start of an ISO week "2026-W47" or a date "2026-11-20", and
 * the end (exclusive) of that period. Returns 0, or -1 when text is
 * neither or names a week or day that does not exist ("2027-W53",
 * "2026-11-31"). */
int cal_period(const char *text, int64_t *from, int64_t *to);

/* t as a Dutch date in local time ("3 november 2026") into buf;
 * returns buf. */
char *cal_date_nl(int64_t t, char *buf, size_t len);

/* t as RFC 3339 in local time with its offset
 * ("2026-12-07T09:00:00+01:00") into buf; returns buf. */
char *cal_local_rfc3339(int64_t t, char *buf, size_t len);

#endif

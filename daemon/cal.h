/*
 * cal — calendar arithmetic in the configured zone (TZ is set from the
 * configuration at start): quiet hours, local days. Times are seconds
 * since the epoch (UTC); local time-of-day survives daylight-saving
 * changes. Stateless.
 */
#ifndef REGIE_CAL_H
#define REGIE_CAL_H

#include <stdbool.h>
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

#endif

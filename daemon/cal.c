/*
 * cal — local-time arithmetic with mktime, which applies the zone's
 * daylight-saving rules. Stateless.
 */
#include "cal.h"

#include <time.h>

static int s_minute_of_day(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
}

bool cal_in_quiet(int64_t t, int start, int end)
{
    if (start == end)
        return false;
    int m = s_minute_of_day(t);
    if (start < end)
        return m >= start && m < end;
    return m >= start || m < end;
}

int64_t cal_quiet_end(int64_t t, int start, int end)
{
    if (!cal_in_quiet(t, start, end))
        return t;
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    /* After the start in the evening, the end is tomorrow. */
    if (start > end && tm.tm_hour * 60 + tm.tm_min >= start)
        tm.tm_mday += 1;
    tm.tm_hour = end / 60;
    tm.tm_min = end % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

int64_t cal_add_days(int64_t t, int days)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday += days;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

/*
 * cal — local-time arithmetic with mktime, which applies the zone's
 * daylight-saving rules. Stateless.
 */
#include "cal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
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

int64_t cal_add_working_days(int64_t t, int days)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    int step = days < 0 ? -1 : 1;
    for (int left = days < 0 ? -days : days; left > 0;) {
        tm.tm_mday += step;
        tm.tm_isdst = -1;
        time_t moved = mktime(&tm); /* normalises tm, sets tm_wday */
        (void)moved;
        if (tm.tm_wday != 0 && tm.tm_wday != 6)
            left--;
    }
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

/* Local midnight of a calendar date. */
static int64_t s_midnight(int y, int m, int d)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

/* Whether y-m-d is a day of the calendar and h:mi:sec a time of day (a
 * leap second allowed). */
static bool s_valid(int y, int m, int d, int h, int mi, int sec)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 60)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* The offset of an RFC 3339 zone: "Z", or "+hh:mm" / "-hh:mm" and
 * nothing after it. Returns 0 or -1. */
static int s_zone(const char *z, int *off)
{
    if (strcmp(z, "Z") == 0 || strcmp(z, "z") == 0) {
        *off = 0;
        return 0;
    }
    if ((z[0] != '+' && z[0] != '-') || strlen(z) != 6 || z[3] != ':' ||
        !isdigit((unsigned char)z[1]) || !isdigit((unsigned char)z[2]) ||
        !isdigit((unsigned char)z[4]) || !isdigit((unsigned char)z[5]))
        return -1;
    int oh = (z[1] - '0') * 10 + (z[2] - '0');
    int om = (z[4] - '0') * 10 + (z[5] - '0');
    if (oh > 23 || om > 59)
        return -1;
    *off = (z[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    return 0;
}

int cal_parse(const char *text, int64_t *t)
{
    int y, mo, d, h, mi, sec = 0, used = 0;
    if (!text)
        return -1;
    if (sscanf(text, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &used) ==
            5 &&
        used == (int)strlen(text)) {
        if (!s_valid(y, mo, d, h, mi, 0))
            return -1;
        struct tm tm = {.tm_year = y - 1900,
                        .tm_mon = mo - 1,
                        .tm_mday = d,
                        .tm_hour = h,
                        .tm_min = mi,
                        .tm_isdst = -1};
        *t = (int64_t)mktime(&tm);
        return 0;
    }
    int off;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &used) != 6 ||
        !s_valid(y, mo, d, h, mi, sec) || s_zone(text + used, &off) < 0)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    *t = (int64_t)timegm(&tm) - off;
    return 0;
}

/* The day of January (0 or less: in December) on which ISO week 1 of
 * year y starts: the Monday of the week that holds January 4th. */
static int s_week1_day(int y)
{
    struct tm jan4 = {
        .tm_year = y - 1900, .tm_mday = 4, .tm_hour = 12, .tm_isdst = -1};
    mktime(&jan4);
    return 4 - (jan4.tm_wday + 6) % 7; /* back to Monday */
}

/* The local start and end of week w of ISO year y; -1 when the year has
 * no such week (week 53 of a year of 52). */
static int s_week(int y, int w, int64_t *from, int64_t *to)
{
    int day = s_week1_day(y) + (w - 1) * 7;
    int64_t start = s_midnight(y, 1, day);
    if (w == 53 && start >= s_midnight(y + 1, 1, s_week1_day(y + 1)))
        return -1;
    *from = start;
    *to = s_midnight(y, 1, day + 7);
    return 0;
}

int cal_period(const char *text, int64_t *from, int64_t *to)
{
    int y, w, m, d, used = 0;
    if (sscanf(text, "%4d-W%2d%n", &y, &w, &used) == 2 &&
        used == (int)strlen(text) && w >= 1 && w <= 53)
        return s_week(y, w, from, to);
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 &&
        used == (int)strlen(text) && s_valid(y, m, d, 0, 0, 0)) {
        *from = s_midnight(y, m, d);
        *to = s_midnight(y, m, d + 1);
        return 0;
    }
    return -1;
}

char *cal_local_rfc3339(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, sign, off / 3600, (off % 3600) / 60);
    return buf;
}

char *cal_date_nl(int64_t t, char *buf, size_t len)
{
    static const char *const months[] = {
        "januari", "februari", "maart",     "april",   "mei",      "juni",
        "juli",    "augustus", "september", "oktober", "november", "december"};
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    snprintf(buf, len, "%d %s %d", tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900);
    return buf;
}

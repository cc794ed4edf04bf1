/*
 * ijwdate — dates of iStandaarden messages; see ijwdate.h. The offset of
 * a day is computed from the EU summer-time rule, not from the system's
 * time zone data, so the mapping is the same on every host.
 */
#include "ijwdate.h"

#include <stdlib.h>
#include <string.h>

#include "xmem.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long s_days(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Returns whether s is a calendar date YYYY-MM-DD; fills y, m, d. */
static bool s_date(const char *s, long *y, long *m, long *d)
{
    static const int dim[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2 ||
        strspn(s + 8, "0123456789") != 2)
        return false;
    *y = strtol(s, NULL, 10);
    *m = strtol(s + 5, NULL, 10);
    *d = strtol(s + 8, NULL, 10);
    bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > dim[*m - 1])
        return false;
    return *m != 2 || *d < 29 || leap;
}

/* Returns the day number of the last Sunday of month m (of 31 days). */
static long s_last_sunday(long y, long m)
{
    long day = s_days(y, m, 31);
    long wd = ((day + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
    return day - wd;
}

bool ijwdate_valid(const char *s)
{
    long y, m, d;
    return s_date(s, &y, &m, &d);
}

/* Summer time (+02:00) runs from the last Sunday of March 02:00 to the
 * last Sunday of October 03:00, so midnight is summer time strictly after
 * the first and up to and including the second. */
char *ijwdate_midnight(const char *date)
{
    long y, m, d;
    if (!s_date(date, &y, &m, &d))
        return NULL;
    long day = s_days(y, m, d);
    bool summer = day > s_last_sunday(y, 3) && day <= s_last_sunday(y, 10);
    return xasprintf("%sT00:00:00%s", date, summer ? "+02:00" : "+01:00");
}

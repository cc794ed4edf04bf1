/*
 * csvval — cell conversions for CSV mappings (see csvval.h). Dates are
 * matched by hand against the format (strptime depends on the locale and
 * accepts too much); summer time follows the EU rule from 1996 on: from
 * the last Sunday of March, 01:00 UTC, to the last Sunday of October,
 * 01:00 UTC.
 */
#include "csvval.h"

#include "xmem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parts of a date and time read from a cell. */
typedef struct {
    int year, month, day, hour, min, sec;
} s_tm_t;

/* Windows-1252 0x80..0x9F as code points; 0 where it defines none. */
static const unsigned short s_cp1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

int csvval_format_check(const char *format, bool datetime, char *err,
                        size_t errlen)
{
    int seen[128] = {0};
    if (datetime && strcmp(format, "rfc3339") == 0)
        return 0;
    for (const char *f = format; *f; f++) {
        if (*f != '%')
            continue;
        char t = *++f;
        if (t == '%')
            continue;
        if (!t || !strchr("dmYHMS", t)) {
            snprintf(err, errlen,
                     "format '%s': unknown token %%%c (use %%d "
                     "%%m %%Y%s)",
                     format, t ? t : ' ', datetime ? " %H %M %S" : "");
            return -1;
        }
        if (seen[(int)t]++) {
            snprintf(err, errlen, "format '%s': %%%c twice", format, t);
            return -1;
        }
        if (!datetime && strchr("HMS", t)) {
            snprintf(err, errlen, "format '%s': a date has no %%%c", format, t);
            return -1;
        }
    }
    if (!seen['d'] || !seen['m'] || !seen['Y']) {
        snprintf(err, errlen, "format '%s' must hold %%d, %%m and %%Y", format);
        return -1;
    }
    return 0;
}

/* Reads min..max digits at *p into *v; advances *p. */
static int s_digits(const char **p, int min, int max, int *v)
{
    int n = 0, x = 0;
    while (n < max && isdigit((unsigned char)(*p)[n]))
        x = 10 * x + ((*p)[n++] - '0');
    if (n < min)
        return -1;
    *p += n;
    *v = x;
    return 0;
}

static bool s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_mdays(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_leap(y) ? 29 : d[m - 1];
}

/* Matches text against format into t; -1 on a mismatch or a bad date. */
static int s_match(const char *text, const char *format, s_tm_t *t)
{
    memset(t, 0, sizeof *t);
    const char *p = text;
    int rc = 0;
    for (const char *f = format; *f && rc == 0; f++) {
        if (*f != '%' || f[1] == '%') {
            f += *f == '%';
            if (*p != *f)
                return -1;
            p++;
            continue;
        }
        switch (*++f) {
        case 'd':
            rc = s_digits(&p, 1, 2, &t->day);
            break;
        case 'm':
            rc = s_digits(&p, 1, 2, &t->month);
            break;
        case 'Y':
            rc = s_digits(&p, 4, 4, &t->year);
            break;
        case 'H':
            rc = s_digits(&p, 1, 2, &t->hour);
            break;
        case 'M':
            rc = s_digits(&p, 2, 2, &t->min);
            break;
        default:
            rc = s_digits(&p, 2, 2, &t->sec);
            break;
        }
    }
    if (rc < 0 || *p || t->year < 1800 || t->year > 2999 || t->month < 1 ||
        t->month > 12 || t->day < 1 || t->day > s_mdays(t->year, t->month) ||
        t->hour > 23 || t->min > 59 || t->sec > 59)
        return -1;
    return 0;
}

int csvval_date(const char *text, const char *format,
                char out[CSVVAL_DATE_LEN + 1])
{
    s_tm_t t;
    if (s_match(text, format, &t) < 0)
        return -1;
    snprintf(out, CSVVAL_DATE_LEN + 1, "%04d-%02d-%02d", t.year, t.month,
             t.day);
    return 0;
}

/* Day of the week of a date, 0 for Sunday (Sakamoto). */
static int s_weekday(int y, int m, int d)
{
    static const int k[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y -= 1;
    return (y + y / 4 - y / 100 + y / 400 + k[m - 1] + d) % 7;
}

static int s_last_sunday(int y, int m)
{
    int d = s_mdays(y, m);
    return d - s_weekday(y, m, d);
}

/* Whether local time t in Europe/Amsterdam is summer time. The change
 * is at 02:00 local in March and 03:00 local in October; the hour that
 * October repeats is taken as winter time. */
static bool s_summer(const s_tm_t *t)
{
    if (t->month < 3 || t->month > 10)
        return false;
    if (t->month > 3 && t->month < 10)
        return true;
    int last = s_last_sunday(t->year, t->month);
    if (t->month == 3)
        return t->day > last || (t->day == last && t->hour >= 2);
    return t->day < last || (t->day == last && t->hour < 2);
}

int csvval_datetime(const char *text, const char *format,
                    char out[CSVVAL_DATETIME_MAX + 1])
{
    if (strcmp(format, "rfc3339") == 0) {
        if (!*text || strlen(text) > CSVVAL_DATETIME_MAX)
            return -1;
        snprintf(out, CSVVAL_DATETIME_MAX + 1, "%s", text);
        return 0;
    }
    s_tm_t t;
    if (s_match(text, format, &t) < 0)
        return -1;
    snprintf(out, CSVVAL_DATETIME_MAX + 1, "%04d-%02d-%02dT%02d:%02d:%02d%s",
             t.year, t.month, t.day, t.hour, t.min, t.sec,
             s_summer(&t) ? "+02:00" : "+01:00");
    return 0;
}

int csvval_bsn(const char *text, char out[10])
{
    char digits[10];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n == 9)
                return -1;
            digits[n++] = *p;
        } else if ((*p != ' ' && *p != '.') || n == 0 ||
                   !isdigit((unsigned char)p[1])) {
            return -1; /* a separator only between digits */
        }
    }
    if (n == 0)
        return -1;
    memset(out, '0', 9 - n);
    memcpy(out + 9 - n, digits, n);
    out[9] = '\0';
    return 0;
}

/* Writes code point c as UTF-8 at w; returns the bytes written. */
static size_t s_put_utf8(char *w, unsigned c)
{
    if (c < 0x80) {
        w[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        w[0] = (char)(0xC0 | (c >> 6));
        w[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    w[0] = (char)(0xE0 | (c >> 12));
    w[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    w[2] = (char)(0x80 | (c & 0x3F));
    return 3;
}

char *csvval_from_cp1252(const char *data, size_t len, size_t *outlen)
{
    char *out = xmalloc(3 * len + 1), *w = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)data[i];
        unsigned c = b;
        if (b >= 0x80 && b < 0xA0)
            c = s_cp1252[b - 0x80] ? s_cp1252[b - 0x80] : 0xFFFD;
        w += s_put_utf8(w, c);
    }
    *w = '\0';
    *outlen = (size_t)(w - out);
    return out;
}

bool csvval_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80             ? 0
                : (c & 0xE0) == 0xC0 ? 1
                : (c & 0xF0) == 0xE0 ? 2
                : (c & 0xF8) == 0xF0 ? 3
                                     : -1;
        if (n < 0)
            return false;
        unsigned cp = n == 0 ? c : c & (0x3F >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

char *csvval_trim(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return xstrndup(s, n);
}

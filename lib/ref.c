/*
 * ref — references and RFC 3339 times. Stateless.
 */
#include "ref.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REF_DIGITS_MAX 15

char *ref_format(char *buf, size_t len, const char *prefix, int64_t id)
{
    snprintf(buf, len, "%s-%06lld", prefix, (long long)id);
    return buf;
}

json_t *ref_json(const char *prefix, int64_t id)
{
    char buf[REF_MAX];
    return json_string(ref_format(buf, sizeof buf, prefix, id));
}

bool ref_parse(const char *text, const char *prefix, int64_t *id)
{
    if (!text)
        return false;
    size_t plen = strlen(prefix);
    if (plen > 0 && strncasecmp(text, prefix, plen) == 0 && text[plen] == '-')
        text += plen + 1;
    size_t n = strlen(text);
    if (n == 0 || n > REF_DIGITS_MAX)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)text[i]))
            return false;
        v = v * 10 + (text[i] - '0');
    }
    if (v == 0)
        return false;
    *id = v;
    return true;
}

char *ref_time(char *buf, size_t len, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) ||
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "1970-01-01T00:00:00Z");
    return buf;
}

json_t *ref_time_json(int64_t t)
{
    char buf[REF_TIME_MAX];
    return json_string(ref_time(buf, sizeof buf, t));
}

/* Reads the zone of an RFC 3339 time: "Z" or "+hh:mm"/"-hh:mm", ending
 * the string. Sets *offset in seconds east of UTC. */
static bool s_zone(const char *p, long *offset)
{
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *offset = 0;
        return true;
    }
    int hh, mm, used = 0;
    if ((p[0] != '+' && p[0] != '-') ||
        sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &used) != 2 || used != 5 ||
        p[6] != '\0' || hh > 23 || mm > 59)
        return false;
    *offset = (p[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    return true;
}

bool ref_time_parse(const char *text, int64_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p || strlen(text) < 19)
        return false;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long offset;
    if (!s_zone(p, &offset))
        return false;
    *t = (int64_t)timegm(&tm) - offset;
    return true;
}

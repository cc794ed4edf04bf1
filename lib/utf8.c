/*
 * utf8 — checks of UTF-8 text. Stateless.
 */
#include "utf8.h"

#include <string.h>

size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0; /* overlong, surrogate, or past U+10FFFF */
    return n;
}

bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

char *utf8_repair(const char *s, char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    while (*p && k + 1 < len) {
        size_t n = utf8_len(p);
        if (n == 0) {
            buf[k++] = '?';
            p++;
        } else if (k + n < len) {
            memcpy(buf + k, p, n);
            k += n;
            p += n;
        } else {
            break;
        }
    }
    buf[k] = '\0';
    return buf;
}

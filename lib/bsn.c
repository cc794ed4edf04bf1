/*
 * bsn — BSN syntax and elfproef. Stateless.
 */
#include "bsn.h"

#include <stdio.h>
#include <string.h>

bool bsn_check(const char *s, char *why, unsigned long why_len)
{
    size_t n = s ? strlen(s) : 0;
    bool digits = n == 9;
    for (size_t i = 0; digits && i < n; i++)
        digits = s[i] >= '0' && s[i] <= '9';
    if (!digits) {
        snprintf(why, why_len, "is not 9 digits");
        return false;
    }
    if (strcmp(s, "000000000") == 0) {
        snprintf(why, why_len, "is all zeros");
        return false;
    }
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (9 - i) * (s[i] - '0');
    sum -= s[8] - '0';
    if (sum % 11 != 0) {
        snprintf(why, why_len, "fails the elfproef");
        return false;
    }
    return true;
}

bool bsn_valid(const char *s)
{
    char why[64];
    return bsn_check(s, why, sizeof why);
}

bool bsn_in_text(const char *text)
{
    for (const char *p = text; p && *p;) {
        size_t n = strspn(p, "0123456789");
        if (n == 9) {
            char nine[10];
            memcpy(nine, p, 9);
            nine[9] = '\0';
            if (bsn_valid(nine))
                return true;
        }
        p += n ? n : 1;
    }
    return false;
}

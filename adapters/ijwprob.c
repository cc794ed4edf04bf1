/*
 * ijwprob — problem texts of iStandaarden messages; see ijwprob.h.
 */
#include "ijwprob.h"

#include <stdio.h>
#include <stdlib.h>

#include "xmem.h"

char *ijwprob_at(const char *source, long line, const char *text)
{
    if (line > 0)
        return xasprintf("%s:%ld: %s", source, line, text);
    return xasprintf("%s: %s", source, text);
}

char *ijwprob_vfmt(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        n = 0;
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void ijwprob_add(char **list, const char *source, long line, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = ijwprob_vfmt(fmt, ap);
    va_end(ap);
    char *one = ijwprob_at(source, line, text);
    free(text);
    if (!*list) {
        *list = one;
        return;
    }
    char *all = xasprintf("%s\n%s", *list, one);
    free(one);
    free(*list);
    *list = all;
}

const char *ijwprob_absent(xmlNodePtr at)
{
    return at ? "is empty" : "is missing";
}

/*
 * ijwreferrer — the referrer of a requested product; see ijwreferrer.h.
 * The codes are those of COD327 ("Verwijzer") of iJw/iWmo release 3.2.
 * regied refuses an empty contact.name, one with a control character and
 * one past 200 characters; a Verwijzer with a known Type never gives one.
 */
#include "ijwreferrer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ijwprob.h"
#include "ijwxml.h"
#include "xmem.h"

static const struct {
    const char *code;
    const char *label;
} s_cod327[] = {
    {"01", "gemeente"},
    {"02", "huisarts"},
    {"03", "jeugdarts"},
    {"04", "gecertificeerde instelling"},
    {"05", "medisch specialist"},
    {"06", "zelfverwijzer/geen verwijzer"},
    {"08", "rechter/OvJ/functionaris JJI"},
};

/* Returns the bytes of the blank at s: a space, or a no-break or
 * zero-width space (U+00A0, U+2007, U+200B, U+202F, U+FEFF) that
 * exports leave in "empty" fields; 0 when s is not at one. */
static size_t s_blank_at(const char *s)
{
    static const char *const wide[] = {"\xc2\xa0", "\xe2\x80\x87",
                                       "\xe2\x80\x8b", "\xe2\x80\xaf",
                                       "\xef\xbb\xbf"};
    if (*s == ' ')
        return 1;
    for (size_t i = 0; i < sizeof wide / sizeof *wide; i++)
        if (!strncmp(s, wide[i], strlen(wide[i])))
            return strlen(wide[i]);
    return 0;
}

/* Turns each control character of s (C0, DEL, C1) into a space. */
static void s_no_controls(char *s)
{
    char *w = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool c1 = p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;
        *w++ = *p < 0x20 || *p == 0x7F || c1 ? ' ' : (char)*p;
        p += c1;
    }
    *w = '\0';
}

/* Returns name fit for contact.name, for the caller to free: control
 * characters become spaces, blanks around are dropped, and it is cut to
 * IJWREFERRER_NAME_MAX characters; NULL when nothing but blanks is left.
 * Frees name. */
static char *s_fit(char *name)
{
    s_no_controls(name);
    const char *b = name, *end = name;
    for (size_t n; (n = s_blank_at(b));)
        b += n;
    for (const char *q = b; *q;) {
        size_t n = s_blank_at(q);
        if (n) {
            q += n;
            continue;
        }
        while (*++q && ((unsigned char)*q & 0xC0) == 0x80)
            ;
        end = q;
    }
    char *fit = NULL;
    if (end > b) {
        size_t keep = ijwxml_utf8_prefix(b, IJWREFERRER_NAME_MAX);
        fit = xstrndup(b, keep < (size_t)(end - b) ? keep : (size_t)(end - b));
    }
    free(name);
    return fit;
}

/* Returns the COD327 label of Verwijzer v's Type, or NULL after adding
 * why to *err. */
static const char *s_label(xmlNodePtr v, const char *source, char **err)
{
    xmlNodePtr at;
    const char *label = NULL;
    char *type = ijwxml_value(v, "Type", &at);
    for (size_t i = 0; type && i < sizeof s_cod327 / sizeof *s_cod327; i++)
        if (!strcmp(type, s_cod327[i].code))
            label = s_cod327[i].label;
    char *q = type ? ijwxml_quote(type) : NULL;
    if (!type)
        ijwprob_add(err, source, ijwxml_line(at ? at : v), "Verwijzer/Type %s",
                    ijwprob_absent(at));
    else if (!label)
        ijwprob_add(err, source, ijwxml_line(at),
                    "Verwijzer/Type '%s' is not a COD327 code", q);
    free(q);
    free(type);
    return label;
}

char *ijwreferrer_name(xmlNodePtr product, const char *source, char **err)
{
    xmlNodePtr v = ijwxml_child(product, "Verwijzer");
    if (!v) {
        ijwprob_add(err, source, ijwxml_line(product),
                    "AangevraagdProduct/Verwijzer is missing");
        return NULL;
    }
    const char *label = s_label(v, source, err);
    if (!label)
        return NULL;
    char *naam = ijwxml_value(v, "Naam", NULL);
    char *name = naam ? s_fit(naam) : NULL;
    if (name)
        return name;
    char *agb = ijwxml_value(v, "ZorgverlenerCode", NULL);
    name = agb ? s_fit(xasprintf("%s %s", label, agb)) : xstrdup(label);
    free(agb);
    return name;
}

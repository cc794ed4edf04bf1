/*
 * ijwreferrer — the referrer of a requested product; see ijwreferrer.h.
 * The codes are those of COD327 ("Verwijzer") of iJw/iWmo release 3.2.
 */
#include "ijwreferrer.h"

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
    if (naam)
        return naam;
    char *agb = ijwxml_value(v, "ZorgverlenerCode", NULL);
    char *name = agb ? xasprintf("%s %s", label, agb) : xstrdup(label);
    free(agb);
    return name;
}

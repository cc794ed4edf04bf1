/*
 * digestword — the digest's words (see digestword.h). Main thread only.
 */
#include "digestword.h"

#include "cases/regisseur.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_DAY 86400

const char *digestword_kind(const char *kind)
{
    return strcmp(kind, "progress") == 0  ? "voortgangsrapportage"
           : strcmp(kind, "assign") == 0  ? "planregisseur toewijzen"
           : strcmp(kind, "partner") == 0 ? "periodieke rapportage"
           : strcmp(kind, "request") == 0 ? "verzoek"
                                          : "afspraak";
}

void digestword_level(strbuf_t *b, int level)
{
    if (level <= 0)
        strbuf_printf(b, "nog niet geëscaleerd");
    else if (level == 1)
        strbuf_printf(b, "geëscaleerd naar het Kernteam");
    else if (level == 2)
        strbuf_printf(b, "geëscaleerd naar de gemeente");
    else
        strbuf_printf(b, "escalatieniveau %d", level);
}

void digestword_days(strbuf_t *b, int64_t seconds)
{
    int64_t days = seconds / S_DAY;
    if (days < 1)
        strbuf_printf(b, "minder dan een dag");
    else
        strbuf_printf(b, "%lld %s", (long long)days,
                      days == 1 ? "dag" : "dagen");
}

int digestword_owner(const cfg_t *cfg, store_t *s, const char *type,
                     const char *id, strbuf_t *b)
{
    if (strcmp(type, "regisseur") == 0) {
        regisseur_contact_t c;
        int rc = regisseur_contact(s, atoll(id), &c);
        if (rc == 1)
            strbuf_printf(b, "Regisseur %s (%s)", c.name, c.organisation);
        else
            strbuf_printf(b, "Regisseur RG-%06lld", atoll(id));
        regisseur_contact_clear(&c);
        return rc < 0 ? -1 : 0;
    }
    if (strcmp(type, "partner") == 0) {
        const cfg_partner_t *p = cfg_partner_by_id(cfg, id);
        strbuf_printf(b, "Partner %s", p ? p->name : id);
    } else if (strcmp(type, "department") == 0) {
        const cfg_department_t *dep = cfg_department(cfg, id);
        const char *name = dep && dep->addr.name ? dep->addr.name : id;
        /* "Afdeling Inkomen" is configured so often: not "Afdeling" twice */
        strbuf_printf(b, "%s%s",
                      strncasecmp(name, "afdeling ", 9) == 0 ? "" : "Afdeling ",
                      name);
    } else {
        strbuf_printf(b, "%s",
                      cfg->mail.kernteam.name ? cfg->mail.kernteam.name
                                              : "Kernteam");
    }
    return 0;
}

char *digestword_line(const char *text, size_t max)
{
    char *line = xstrdup(text ? text : "");
    size_t chars = 0, i = 0;
    for (unsigned char *p = (unsigned char *)line; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
        if ((*p & 0xC0) != 0x80 && ++chars > max) {
            line[i] = '\0';
            break;
        }
        i++;
    }
    if (chars <= max)
        return line;
    char *cut = xasprintf("%s...", line);
    free(line);
    return cut;
}

/*
 * ijwcfg — regie-ijw's "ijw" group into ijw_options_t (see ijwcfg.h).
 * The options point into arrays and strings this module owns.
 */
#include "ijwcfg.h"

#include "rfile.h"
#include "xmem.h"

#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ijwcfg {
    ijw_options_t opts;       /* what ijw_parse gets; points below */
    ijw_category_pair_t *jw;  /* owned pairs of opts.jw */
    ijw_category_pair_t *wmo; /* owned pairs of opts.wmo */
    char **strings;           /* every string the options point to */
    size_t nstrings;
};

/* Keeps a copy of s (or NULL) among the owned strings. */
static const char *s_own(ijwcfg_t *self, const char *s)
{
    if (!s)
        return NULL;
    self->strings =
        xrealloc(self->strings, (self->nstrings + 1) * sizeof *self->strings);
    return self->strings[self->nstrings++] = xstrdup(s);
}

/* Reads list name of g, pairs [ "code", "category" ], into *pairs. */
static size_t s_pairs(ijwcfg_t *self, acfg_t *cfg, const config_setting_t *g,
                      const char *name, ijw_category_pair_t **pairs)
{
    const config_setting_t *l = config_setting_get_member(g, name);
    int n = l ? config_setting_length(l) : 0;
    if (l && !config_setting_is_list(l))
        n = -1;
    *pairs = xcalloc(n > 0 ? (size_t)n : 1, sizeof **pairs);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *p = config_setting_get_elem(l, (unsigned)i);
        const char *code = config_setting_get_string_elem(p, 0);
        const char *cat = config_setting_get_string_elem(p, 1);
        if (!config_setting_is_array(p) || config_setting_length(p) != 2 ||
            !code || !*code || !cat || !*cat) {
            n = -1;
            break;
        }
        for (size_t j = 0; j < k; j++)
            if (strcmp((*pairs)[j].code, code) == 0)
                acfg_error(cfg, p, "'%s' maps code '%s' twice", name, code);
        (*pairs)[k].code = s_own(self, code);
        (*pairs)[k++].category = s_own(self, cat);
    }
    if (n < 0)
        acfg_error(cfg, l,
                   "'%s' must be a list of pairs, like "
                   "( [ \"54\", \"ggz\" ], ... )",
                   name);
    return k;
}

/* Keeps the first schema error as the reason. */
static void s_on_schema_error(void *data, xmlErrorPtr e)
{
    char **why = data;
    if (!*why && e && e->message) {
        *why = xstrdup(e->message);
        (*why)[strcspn(*why, "\n")] = '\0';
    }
}

/* Checks that the XSD named by setting name of g loads; keeps its path.
 * A file that is there but not a regular file (a FIFO, a folder) is
 * refused before libxml2 would open it and wait; a missing one is
 * libxml2's to report. */
static const char *s_xsd(ijwcfg_t *self, acfg_t *cfg, const config_setting_t *g,
                         const char *name)
{
    const char *path = acfg_path(cfg, g, name, false);
    if (!path)
        return NULL;
    struct stat st;
    char err[600];
    if (stat(path, &st) == 0 && rfile_check(path, err, sizeof err) < 0) {
        acfg_error(cfg, config_setting_get_member(g, name), "%s: %s", name,
                   err);
        return s_own(self, path);
    }
    char *why = NULL;
    /* Reading the files has no handler of its own: catch its errors too,
     * rather than let libxml2 print them. */
    xmlStructuredErrorFunc old = xmlStructuredError;
    void *old_data = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(&why, s_on_schema_error);
    xmlSchemaParserCtxtPtr p = xmlSchemaNewParserCtxt(path);
    xmlSchemaPtr schema = NULL;
    if (p) {
        xmlSchemaSetParserStructuredErrors(p, s_on_schema_error, &why);
        schema = xmlSchemaParse(p);
        xmlSchemaFreeParserCtxt(p);
    }
    xmlSetStructuredErrorFunc(old_data, old);
    if (!schema)
        acfg_error(cfg, config_setting_get_member(g, name),
                   "%s: cannot "
                   "load the schema %s: %s",
                   name, path, why ? why : "unknown reason");
    xmlSchemaFree(schema);
    free(why);
    return s_own(self, path);
}

ijwcfg_t *ijwcfg_load(acfg_t *cfg, const config_setting_t *g)
{
    static const char *const known[] = {"contact_email", "contact_phone",
                                        "jw315_xsd",     "wmo315_xsd",
                                        "with_note",     "jw_categories",
                                        "jw_default",    "wmo_categories",
                                        "wmo_default",   NULL};
    int before = acfg_error_count(cfg);
    ijwcfg_t *self = xcalloc(1, sizeof *self);
    ijw_options_t *o = &self->opts;
    acfg_check_known(cfg, g, known);
    o->contact_email = s_own(self, acfg_string(cfg, g, "contact_email", false));
    o->contact_phone = s_own(self, acfg_string(cfg, g, "contact_phone", false));
    if (!o->contact_email && !o->contact_phone)
        acfg_error(cfg, g,
                   "give 'contact_email' or 'contact_phone' (or "
                   "both): the desk partners of the gemeente can reach");
    o->jw315_xsd = s_xsd(self, cfg, g, "jw315_xsd");
    o->wmo315_xsd = s_xsd(self, cfg, g, "wmo315_xsd");
    acfg_bool(cfg, g, "with_note", &o->with_note);
    o->jw.count = s_pairs(self, cfg, g, "jw_categories", &self->jw);
    o->jw.pairs = self->jw;
    o->jw.fallback = s_own(self, acfg_string(cfg, g, "jw_default", false));
    o->wmo.count = s_pairs(self, cfg, g, "wmo_categories", &self->wmo);
    o->wmo.pairs = self->wmo;
    o->wmo.fallback = s_own(self, acfg_string(cfg, g, "wmo_default", false));
    if (acfg_error_count(cfg) > before)
        ijwcfg_destroy(&self);
    return self;
}

void ijwcfg_destroy(ijwcfg_t **p)
{
    if (!p || !*p)
        return;
    ijwcfg_t *self = *p;
    for (size_t i = 0; i < self->nstrings; i++)
        free(self->strings[i]);
    free(self->strings);
    free(self->jw);
    free(self->wmo);
    free(self);
    *p = NULL;
}

const ijw_options_t *ijwcfg_options(const ijwcfg_t *self)
{
    return &self->opts;
}

/*
 * ijwid — external_ids of requested products; see ijwid.h. A repeated
 * ReferentieAanbieder is seen in public example messages, so the place
 * of the product tells such records apart.
 */
#include "ijwid.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ijwprob.h"
#include "ijwxml.h"
#include "log.h"
#include "xmem.h"

#define S_ID_KEEP 95  /* characters kept of an over-long external_id */
#define S_HASH_LEN 16 /* BLAKE2b bytes after them, as 32 hex digits */

struct ijwid {
    char *afzender; /* Header/Afzender */
    char *ident;    /* Header/BerichtIdentificatie/Identificatie */
    char **refs;    /* ReferentieAanbieder per product (NULL: none) */
    size_t nrefs;
};

/* Returns how many AangevraagdProduct there are under root; fills
 * self->refs with their references once it is there. */
static size_t s_walk(ijwid_t *self, xmlNodePtr root)
{
    size_t n = 0;
    for (xmlNodePtr k = ijwxml_child(root, "Client"); k;
         k = ijwxml_next(k->next, "Client"))
        for (xmlNodePtr p =
                 ijwxml_child(ijwxml_child(k, "AangevraagdeProducten"),
                              "AangevraagdProduct");
             p; p = ijwxml_next(p->next, "AangevraagdProduct"), n++)
            if (self->refs)
                self->refs[n] = ijwxml_value(p, "ReferentieAanbieder", NULL);
    return n;
}

ijwid_t *ijwid_new(xmlNodePtr root, const char *afzender, const char *ident)
{
    ijwid_t *self = xcalloc(1, sizeof *self);
    self->afzender = xstrdup(afzender);
    self->ident = xstrdup(ident);
    self->nrefs = s_walk(self, root);
    self->refs = xcalloc(self->nrefs ? self->nrefs : 1, sizeof *self->refs);
    s_walk(self, root);
    return self;
}

void ijwid_destroy(ijwid_t **p)
{
    if (!p || !*p)
        return;
    ijwid_t *self = *p;
    for (size_t i = 0; i < self->nrefs; i++)
        free(self->refs[i]);
    free(self->refs);
    free(self->afzender);
    free(self->ident);
    free(self);
    *p = NULL;
}

/* Returns whether refs[idx] occurs more than once in the message. */
static bool s_repeats(const ijwid_t *self, size_t idx)
{
    for (size_t i = 0; i < self->nrefs; i++)
        if (i != idx && self->refs[i] && self->refs[idx] &&
            !strcmp(self->refs[i], self->refs[idx]))
            return true;
    return false;
}

/* Returns id, or when longer than IJWID_MAX characters its first
 * S_ID_KEEP, "~" and 32 hex digits of BLAKE2b-128 of all of it: stable
 * for the same input, and IJWID_MAX characters. Frees id. */
static char *s_fit(char *id)
{
    if (ijwxml_utf8_len(id) <= IJWID_MAX)
        return id;
    unsigned char hash[S_HASH_LEN];
    char hex[2 * S_HASH_LEN + 1];
    if (sodium_init() < 0)
        log_warn("ijw: sodium_init failed; hashing with defaults");
    crypto_generichash(hash, sizeof hash, (const unsigned char *)id, strlen(id),
                       NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    char *fit =
        xasprintf("%.*s~%s", (int)ijwxml_utf8_prefix(id, S_ID_KEEP), id, hex);
    free(id);
    return fit;
}

char *ijwid_make(const ijwid_t *self, xmlNodePtr product, size_t idx,
                 const char *source, char **err)
{
    xmlNodePtr at;
    char *ref = ijwxml_value(product, "ReferentieAanbieder", &at);
    if (!ref) {
        ijwprob_add(err, source, ijwxml_line(at ? at : product),
                    "AangevraagdProduct/ReferentieAanbieder %s",
                    ijwprob_absent(at));
        return NULL;
    }
    char *id = NULL;
    if (!ijwxml_printable(ref))
        ijwprob_add(err, source, ijwxml_line(at),
                    "AangevraagdProduct/ReferentieAanbieder has a control "
                    "character");
    else if (idx < self->nrefs && s_repeats(self, idx))
        id = xasprintf("%s-%s-%s#%zu", self->afzender, self->ident, ref,
                       idx + 1);
    else
        id = xasprintf("%s-%s-%s", self->afzender, self->ident, ref);
    free(ref);
    return id ? s_fit(id) : NULL;
}

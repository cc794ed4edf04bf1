/*
 * ijwid — the external_id of each requested product of a JW315/WMO315:
 * "<Afzender>-<Identificatie>-<ReferentieAanbieder>", with "#<n>" (n the
 * product's place in the message, from 1) when the reference occurs more
 * than once in the message, and past IJWID_MAX characters its first 95,
 * "~" and 32 hex digits of BLAKE2b-128 of the whole id. The same message
 * always gives the same ids. The ijwid_t owns the references of one
 * message; used by the ijw module, one thread.
 */
#ifndef REGIE_IJWID_H
#define REGIE_IJWID_H

#include <stddef.h>

#include <libxml/tree.h>

#define IJWID_MAX 128 /* characters of an external_id (spec 3) */

typedef struct ijwid ijwid_t;

/* Collects the ReferentieAanbieder of every Client/AangevraagdeProducten/
 * AangevraagdProduct under the message's root, in document order, for
 * ids with afzender and ident (copied). Returns an owned ijwid_t. */
ijwid_t *ijwid_new(xmlNodePtr root, const char *afzender, const char *ident);

/* Frees self and sets *p to NULL; accepts NULL and *p == NULL. */
void ijwid_destroy(ijwid_t **p);

/* Returns the external_id of product, the idx-th (from 0) in document
 * order, for the caller to free; NULL after adding the problem to *err
 * ("source:line: text", see ijwprob): no ReferentieAanbieder, or one
 * with a control character. */
char *ijwid_make(const ijwid_t *self, xmlNodePtr product, size_t idx,
                 const char *source, char **err);

#endif

/*
 * ijwreferrer — who referred, from AangevraagdProduct/Verwijzer of a
 * JW315/WMO315, as the RRP contact.name: Verwijzer/Naam; else the COD327
 * label of Verwijzer/Type and the ZorgverlenerCode ("huisarts 01234567");
 * else the label alone ("zelfverwijzer/geen verwijzer"). Stateless; used
 * by the ijw module.
 */
#ifndef REGIE_IJWREFERRER_H
#define REGIE_IJWREFERRER_H

#include <libxml/tree.h>

/* Returns contact.name for the AangevraagdProduct element product, for
 * the caller to free; NULL after appending each problem ("source:line:
 * text", see ijwprob) to *err: no Verwijzer, or a Type that is missing
 * or not a COD327 code. */
char *ijwreferrer_name(xmlNodePtr product, const char *source, char **err);

#endif

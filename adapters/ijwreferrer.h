/*
 * ijwreferrer — who referred, from AangevraagdProduct/Verwijzer of a
 * JW315/WMO315, as the RRP contact.name: Verwijzer/Naam; else (no Naam,
 * or one with nothing to read: empty, blanks, no-break spaces) the
 * COD327 label of Verwijzer/Type and the ZorgverlenerCode ("huisarts
 * 01234567"); else the label alone ("zelfverwijzer/geen verwijzer"). The
 * name is made fit for regied: control characters become spaces, and it
 * is cut to IJWREFERRER_NAME_MAX characters. Stateless; used by the ijw
 * module.
 */
#ifndef REGIE_IJWREFERRER_H
#define REGIE_IJWREFERRER_H

#include <libxml/tree.h>

#define IJWREFERRER_NAME_MAX 200 /* characters regied takes in contact.name */

/* Returns contact.name for the AangevraagdProduct element product, for
 * the caller to free; NULL after appending each problem ("source:line:
 * text", see ijwprob) to *err when there is nothing to name the referrer
 * by: no Verwijzer, or a Type that is missing, empty or not a COD327
 * code. */
char *ijwreferrer_name(xmlNodePtr product, const char *source, char **err);

#endif

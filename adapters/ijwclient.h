/*
 * ijwclient — what the records of one Client of a JW315/WMO315 share: the
 * BSN (Client/Bsn, zero-padded to 9 digits and checked with the
 * elfproef), the birth date when the message says it is fully known
 * (Geboortedatum/DatumGebruik absent or 1), and Client/Commentaar. Every
 * problem is kept as "source:line: text" and never quotes the BSN. The
 * ijwclient_t owns its strings; used by the ijw module, one thread.
 */
#ifndef REGIE_IJWCLIENT_H
#define REGIE_IJWCLIENT_H

#include <libxml/tree.h>

typedef struct {
    char bsn[10];     /* 9 digits; meaningful only when error is NULL */
    char *birth_date; /* YYYY-MM-DD, or NULL: not sent */
    char *comment;    /* Client/Commentaar, or NULL */
    char *error;      /* newline-separated problems, or NULL */
} ijwclient_t;

/* Reads the Client element client into *cl (whose old contents are not
 * freed); source names the message in the problems. */
void ijwclient_read(ijwclient_t *cl, xmlNodePtr client, const char *source);

/* Frees the strings of cl and zeroes it; accepts NULL. */
void ijwclient_clear(ijwclient_t *cl);

#endif

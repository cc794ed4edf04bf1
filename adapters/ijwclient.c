/*
 * ijwclient — a Client's BSN, birth date and comment; see ijwclient.h.
 * The BSN rules are lib/bsn's; this module adds what the 315 allows: a
 * Bsn of 1 to 9 digits whose leading zeros were dropped.
 */
#include "ijwclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bsn.h"
#include "ijwdate.h"
#include "ijwprob.h"
#include "ijwxml.h"

/* Pads raw (1 to 9 digits) with zeros to 9 in out and checks it. Returns
 * true when valid, else false with why (never quoting the number). */
static bool s_bsn(const char *raw, char out[10], char *why, size_t why_len)
{
    size_t n = strlen(raw);
    if (n == 0 || n > 9 || strspn(raw, "0123456789") != n) {
        snprintf(why, why_len, "is not a number of 1 to 9 digits");
        return false;
    }
    memset(out, '0', 9 - n);
    memcpy(out + 9 - n, raw, n + 1);
    return bsn_check(out, why, why_len);
}

static void s_read_bsn(ijwclient_t *cl, xmlNodePtr client, const char *source)
{
    xmlNodePtr at;
    char why[64];
    char *raw = ijwxml_value(client, "Bsn", &at);
    if (!raw)
        ijwprob_add(&cl->error, source, ijwxml_line(at ? at : client),
                    "Client/Bsn %s", ijwprob_absent(at));
    else if (!s_bsn(raw, cl->bsn, why, sizeof why))
        ijwprob_add(&cl->error, source, ijwxml_line(at), "Client/Bsn %s", why);
    free(raw);
}

/* Whether use (DatumGebruik, may be NULL) is a COD170 code. */
static bool s_cod170(const char *use)
{
    return !use || !strcmp(use, "1") || !strcmp(use, "2") || !strcmp(use, "3");
}

/* Reads Geboortedatum: sent only when DatumGebruik is absent or 1 (the
 * whole date known); with 2 or 3 day or month are placeholders, so the
 * optional birth_date is left out rather than sent wrong. A client
 * without Geboortedatum maps without birth_date (the XSD requires it). */
static void s_read_birth(ijwclient_t *cl, xmlNodePtr client, const char *source)
{
    xmlNodePtr g = ijwxml_child(client, "Geboortedatum"), at, uat;
    if (!g)
        return;
    char *date = ijwxml_value(g, "Datum", &at);
    char *use = ijwxml_value(g, "DatumGebruik", &uat);
    if (!date) {
        ijwprob_add(&cl->error, source, ijwxml_line(at ? at : g),
                    "Client/Geboortedatum/Datum %s", ijwprob_absent(at));
    } else if (!ijwdate_valid(date)) {
        ijwprob_add(&cl->error, source, ijwxml_line(at),
                    "Client/Geboortedatum/Datum is not a date (YYYY-MM-DD)");
    } else if (!s_cod170(use)) {
        char *q = ijwxml_quote(use);
        ijwprob_add(&cl->error, source, ijwxml_line(uat),
                    "Client/Geboortedatum/DatumGebruik '%s' is not a "
                    "COD170 code",
                    q);
        free(q);
    } else if (!use || !strcmp(use, "1")) {
        cl->birth_date = date;
        date = NULL;
    }
    free(date);
    free(use);
}

void ijwclient_read(ijwclient_t *cl, xmlNodePtr client, const char *source)
{
    memset(cl, 0, sizeof *cl);
    s_read_bsn(cl, client, source);
    s_read_birth(cl, client, source);
    cl->comment = ijwxml_value(client, "Commentaar", NULL);
}

void ijwclient_clear(ijwclient_t *cl)
{
    if (!cl)
        return;
    free(cl->birth_date);
    free(cl->comment);
    free(cl->error);
    memset(cl, 0, sizeof *cl);
}

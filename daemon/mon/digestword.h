/*
 * digestword — the Dutch words of the weekly digest, shared by its text
 * and HTML parts: an agreement's kind, its escalation level, a number of
 * days, an owner by name, a reason on one line. Names of organisations
 * and professionals only. Main thread (an owner's name may be read from
 * the store).
 */
#ifndef REGIE_DIGESTWORD_H
#define REGIE_DIGESTWORD_H

#include "config/cfg.h"
#include "store/store.h"
#include "strbuf.h"

#include <stddef.h>
#include <stdint.h>

#define DIGESTWORD_REASON_MAX 200 /* characters of a reason shown */

/* An agreement's kind in words: "voortgangsrapportage", ... */
const char *digestword_kind(const char *kind);

/* Appends an escalation level in words: "geëscaleerd naar het
 * Kernteam". */
void digestword_level(strbuf_t *b, int level);

/* Appends seconds as whole days: "9 dagen", "1 dag", "minder dan een
 * dag". */
void digestword_days(strbuf_t *b, int64_t seconds);

/* Appends the owner of type ("regisseur", "partner", "department",
 * "kernteam") and id by name: "Regisseur A. Jansen (Leger des Heils)",
 * "Partner Veilig Thuis", "Afdeling Inkomen", the kernteam's name.
 * Returns 0, or -1 on a store error (logged; a reference is appended). */
int digestword_owner(const cfg_t *cfg, store_t *s, const char *type,
                     const char *id, strbuf_t *b);

/* text on one line (control characters become spaces) and at most
 * max characters, "..." after a cut one: a new string. */
char *digestword_line(const char *text, size_t max);

#endif

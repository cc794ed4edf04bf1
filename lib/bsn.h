/*
 * bsn — the Dutch citizen service number: syntax and the elfproef. A BSN
 * is checked here and pseudonymised at once (pseudo); it is never stored,
 * logged or sent. Stateless.
 */
#ifndef REGIE_BSN_H
#define REGIE_BSN_H

#include <stdbool.h>

/* Whether s is exactly 9 digits, not all zeros, and passes the elfproef
 * (weights 9..2 and -1; the sum divisible by 11). */
bool bsn_valid(const char *s);

/* Like bsn_valid, but says in why (at least 64 bytes) what is wrong:
 * "is not 9 digits", "is all zeros" or "fails the elfproef". */
bool bsn_check(const char *s, char *why, unsigned long why_len);

/* Whether text holds nine digits in a row (no digit before or after)
 * that pass the elfproef: what looks like a BSN, which must not travel in
 * a text that is emailed. */
bool bsn_in_text(const char *text);

#endif

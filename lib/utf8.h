/*
 * utf8 — well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), for the modules that check text before it goes
 * into a message. Stateless, any thread.
 */
#ifndef REGIE_UTF8_H
#define REGIE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes (1-4) of the well-formed UTF-8 sequence at s, or 0 when there is
 * none; s is NUL-terminated (a NUL inside a sequence makes it bad). */
size_t utf8_len(const unsigned char *s);

/* Whether the NUL-terminated s is well-formed UTF-8 throughout. */
bool utf8_valid(const char *s);

/* Copies the NUL-terminated s into buf (len > 0 bytes, NUL-terminated)
 * as well-formed UTF-8: each byte that starts no well-formed sequence
 * becomes '?', and a cut to fit falls between characters. For messages
 * that quote text cut at a byte count ("%.40s"), before they go into
 * JSON. Returns buf. */
char *utf8_repair(const char *s, char *buf, size_t len);

#endif

/*
 * agreekey — the import key of an agreement: what says which line of an
 * import made it (see cmdimport.c for what goes into it), kept in the
 * agreement's row, unique, so that importing the same line again finds
 * the agreement instead of making a second one. Whatever the
 * agreement's state: a met or waived one still counts as imported. Main
 * thread only, in the caller's transaction.
 */
#ifndef REGIE_AGREEKEY_H
#define REGIE_AGREEKEY_H

#include "store/store.h"

#include <stdint.h>

#define AGREEKEY_LEN 64 /* characters of a key: SHA-256 in hex */

/* The agreement with import key key: returns 1 with *id set, 0 when no
 * agreement has it, -1 on a store error (logged). */
int agreekey_find(store_t *s, const char *key, int64_t *id);

/* Gives agreement id, which has none, the import key key. Returns 0, or
 * -1 (a store error, or another agreement has it). */
int agreekey_set(store_t *s, int64_t id, const char *key);

#endif

/*
 * impcase — the case of one import line: found by the gemeente's case
 * number or by a person of the household, or opened; a person joined to
 * it; its type and its regisseur set through case.type and case.assign
 * (see cmdimport.c for the rules). Main thread only, in the import's
 * write transaction.
 */
#ifndef REGIE_IMPCASE_H
#define REGIE_IMPCASE_H

#include "impline.h"

#include <jansson.h>
#include <stdbool.h>

/* Settles the case of line l as spec says: an object {ref, bsn,
 * regisseur, type}, each a string and each optional (ref or bsn
 * needed). The BSN is checked, hashed and wiped in spec at once; it is
 * never put in a message. Sets l->case_id (and l->opened). Returns true,
 * or false with l->pb set: the line is refused (what it did stays in the
 * transaction: the import rolls back a batch with a refused line), or a
 * store error (unavailable). */
bool impcase_settle(impline_t *l, json_t *spec);

#endif

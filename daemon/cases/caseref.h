/*
 * caseref — cases as an import finds and opens them: by the gemeente's
 * own case number (the external reference, unique among the cases that
 * have one), by a person (the open cases that hold a pseudonym), and a
 * case opened with its number, type and no regisseur. The events of what
 * is done are the caller's. Writes run in the caller's write
 * transaction. Main thread only.
 */
#ifndef REGIE_CASEREF_H
#define REGIE_CASEREF_H

#include "pseudo.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define CASEREF_MAX 64 /* bytes of an external reference */

/* What an import needs to know of a case. */
typedef struct {
    int64_t id;
    bool open;
    int64_t regisseur_id;      /* 0: none */
    char type[16];             /* complex, intensive */
    char ref[CASEREF_MAX + 1]; /* its external reference, "" if none */
} caseref_t;

/* Whether text may be an external reference: 1 to CASEREF_MAX bytes of
 * UTF-8 text without control characters, not only spaces, and nothing
 * that looks like a BSN (bsn_in_text). */
bool caseref_valid(const char *text);

/* Reads the case with external reference ref into out. Returns 1, 0
 * when no case has it, -1 on a store error (logged). */
int caseref_find(store_t *s, const char *ref, caseref_t *out);

/* Reads case id into out. Returns 1, 0 when there is none, or -1. */
int caseref_get(store_t *s, int64_t id, caseref_t *out);

/* The ids of the open cases that hold person, oldest first, at most cap
 * of them into ids. Returns how many there are (possibly more than
 * cap), or -1. */
int caseref_of_person(store_t *s, const unsigned char person[PSEUDO_LEN],
                      int64_t *ids, int cap);

/* Whether case id holds person: 1, 0, or -1. */
int caseref_holds(store_t *s, int64_t id,
                  const unsigned char person[PSEUDO_LEN]);

/* Opens a case at now without regisseur, of type ("complex" or
 * "intensive"; NULL: complex), with external reference ref (NULL:
 * none). Returns 0 with *id set, or -1. */
int caseref_open(store_t *s, const char *ref, const char *type, int64_t now,
                 int64_t *id);

/* Gives case id, which has none, the external reference ref. Returns 0
 * or -1. */
int caseref_set(store_t *s, int64_t id, const char *ref);

/* The number of persons case id holds, or -1. */
int64_t caseref_persons(store_t *s, int64_t id);

#endif

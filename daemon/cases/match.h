/*
 * match — finds the household's case for the persons of a referral
 * (DESIGN "Matching"): the one open case that holds any of them, the most
 * recent of several (and says so), or a new case without regisseur. Works
 * inside the caller's transaction on the store; main thread only.
 */
#ifndef REGIE_MATCH_H
#define REGIE_MATCH_H

#include "pseudo.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    MATCH_NEW,        /* no open case held them: a case was opened */
    MATCH_UNASSIGNED, /* an open case without regisseur held one */
    MATCH_ASSIGNED    /* an open case with a regisseur held one */
} match_status_t;

#define MATCH_CASES_MAX 16 /* open cases remembered for the overlap */

typedef struct {
    int64_t case_id;      /* the case the referral joins */
    match_status_t status;
    int64_t regisseur_id; /* 0 when the case has none */
    int open_cases;       /* open cases that held them; > 1: overlap */
    int64_t others[MATCH_CASES_MAX]; /* the other open cases, at most */
    int others_n;         /* MATCH_CASES_MAX of them */
} match_result_t;

/* Finds or opens the case for n persons (pseudonyms). Must run in a write
 * transaction. Returns 0 with out filled, or -1 (store error, logged). */
int match_find(store_t *s, const unsigned char (*persons)[PSEUDO_LEN],
               size_t n, int64_t now, match_result_t *out);

/* Adds the persons not yet in case_id to it, brought in by referral_id.
 * Must run in a write transaction. Returns 0 or -1 (logged). */
int match_join(store_t *s, int64_t case_id,
               const unsigned char (*persons)[PSEUDO_LEN], size_t n,
               int64_t referral_id, int64_t now);

/* The spec's name of a status: "new", "unassigned" or "assigned". */
const char *match_status_name(match_status_t st);

#endif

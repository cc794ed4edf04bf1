/*
 * casefile — cases (one household's plan) as the control socket sees
 * them: lists with filters, one case with its referrals, and the changes
 * the Kernteam makes: assign a regisseur, set the type, close. ("case" is
 * a C keyword, hence the name.) A case row is the JSON object
 *   {case: "C-000017", status, type, regisseur: "RG-000003" or null,
 *    regisseur_name, opened_at, closed_at, close_reason, persons,
 *    referrals, last_referral_at}
 * with times in RFC 3339 (null when not set) and persons a count: a
 * person is never shown, a BSN is never stored. Writes run in the
 * caller's write transaction. Main thread only.
 */
#ifndef REGIE_CASEFILE_H
#define REGIE_CASEFILE_H

#include "config/cfg.h"
#include "problem.h"
#include "pseudo.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define CASEFILE_REASON_MAX 500 /* bytes of a reason to close */

/* Which cases casefile_list returns. */
typedef struct {
    const char *status;   /* "open", "closed" or "all"; NULL: "open" */
    int64_t regisseur_id; /* only this regisseur's; 0: any */
    bool unassigned;      /* only cases without regisseur */
} casefile_filter_t;

/* The case rows that pass f, oldest first: a new JSON array, or NULL
 * with pb set. */
json_t *casefile_list(store_t *s, const casefile_filter_t *f, problem_t *pb);

/* Case id in full: its row, "regisseur_details" (the regisseur object of
 * regisseur.h, or null) and "referrals", oldest first, as
 * referral_list_case (referral.h) gives them; cfg gives the partners'
 * names. Returns a new object, or NULL with pb set (not_found,
 * unavailable). */
json_t *casefile_show(store_t *s, const cfg_t *cfg, int64_t id, problem_t *pb);

/* Assigns open case id to active regisseur regisseur_id (and records
 * now as the case's first assignment when it has none). The emails and
 * agreements an assignment causes are the caller's. Refuses a missing case or
 * regisseur (not_found), a closed case, an inactive regisseur, or the regisseur
 * who holds the case already (conflict). Returns the case row with "previous"
 * (the previous regisseur's reference, or null), or NULL with pb set. */
json_t *casefile_assign(store_t *s, int64_t id, int64_t regisseur_id,
                        int64_t now, problem_t *pb);

/* Sets the type of open case id to "complex" or "intensive". Refuses
 * another type (bad_request), a closed case or the type it has already
 * (conflict). Returns the case row with "previous" (the old type), or
 * NULL with pb set. */
json_t *casefile_set_type(store_t *s, int64_t id, const char *type,
                          problem_t *pb);

/* Closes open case id for reason (required: some text, at most
 * CASEFILE_REASON_MAX bytes, no control characters but newlines).
 * Refuses a closed case (conflict). Returns the case row, or NULL with pb
 * set. */
json_t *casefile_close(store_t *s, int64_t id, const char *reason, int64_t now,
                       problem_t *pb);

/* The rows of every case, open or closed, that holds the person with
 * this pseudonym, oldest first: a new JSON array (empty when none), or
 * NULL with pb set. */
json_t *casefile_lookup(store_t *s, const unsigned char person[PSEUDO_LEN],
                        problem_t *pb);

#endif

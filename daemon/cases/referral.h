/*
 * referral — the referral table: the one module that writes its rows and
 * looks them up. A referral is stored once per (partner, external_id),
 * with the keyed digest of its body and what its first ACK said, so a
 * resent request gets the same answer (spec/rrp.md 2.3). Also counts a
 * partner's referrals in a period (for reconciling periodic reports) and
 * lists a case's referrals for the control socket. The reports that
 * aggregate over referrals (stats, digest, purge) keep their own queries.
 * Writes run in the caller's write transaction. Main thread only.
 */
#ifndef REGIE_REFERRAL_H
#define REGIE_REFERRAL_H

#include "config/cfg.h"
#include "pseudo.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* For a query over cases aliased c: the number of the case's referrals,
 * and the time the last one came in (NULL when none). */
#define REFERRAL_SQL_CASE_COUNT                                                \
    "(SELECT COUNT(*) FROM referral f WHERE f.case_id = c.id)"
#define REFERRAL_SQL_CASE_LAST                                                 \
    "(SELECT MAX(f.received_at) FROM referral f WHERE f.case_id = c.id)"

/* A referral to store: its row. Pointers borrowed for the call. */
typedef struct {
    const char *partner;         /* the authenticated partner's id */
    const char *external_id;     /* the partner's own id of it */
    const unsigned char *digest; /* PSEUDO_LEN bytes: of the body */
    int64_t case_id;             /* the case it joins */
    const char *kind;
    const char *category;
    const char *urgency;
    const char *birth_date; /* NULL when absent */
    const char *postcode;   /* "1234AB", or NULL when absent */
    const char *contact_name;
    const char *contact_email; /* NULL when absent */
    const char *contact_phone; /* NULL when absent */
    const char *occurred_at;   /* NULL when absent */
    const char *note;          /* NULL when absent */
    int64_t persons;           /* subject and household, unique */
    bool overlap;              /* several open cases held its persons */
    int64_t received_at;
    const char *case_status;   /* as acknowledged: "new", "unassigned" or
                                * "assigned" */
    const char *ack_regisseur; /* the regisseur the ACK disclosed, as
                                * JSON, or NULL */
} referral_in_t;

/* A stored referral found again: what its first ACK said. The strings
 * are owned; free with referral_found_clear. */
typedef struct {
    int64_t id;
    int64_t case_id;
    int64_t received_at;
    char *case_status;
    char *ack_regisseur; /* JSON, or NULL */
} referral_found_t;

/* Looks (partner, external_id) up. Returns 1 when it is stored with this
 * digest (a duplicate), 2 when with another one (a conflict), both with
 * out filled; 0 when it is not stored (out cleared); -1 on a store error
 * (logged; out cleared). */
int referral_find(store_t *s, const char *partner, const char *external_id,
                  const unsigned char digest[PSEUDO_LEN],
                  referral_found_t *out);

/* Frees what referral_find left in f and clears it; accepts a cleared
 * one. */
void referral_found_clear(referral_found_t *f);

/* Inserts the row of r. Returns its id, or -1 on a store error (logged),
 * which is also what a second (partner, external_id) gets. */
int64_t referral_insert(store_t *s, const referral_in_t *r);

/* The number of referrals partner sent that came in at from or later and
 * before to, or -1 on a store error (logged). */
int64_t referral_count_in_period(store_t *s, const char *partner, int64_t from,
                                 int64_t to);

/* The referrals of case case_id, oldest first, as a new JSON array:
 *   [{referral, partner, partner_name, kind, category, urgency,
 *     received_at, occurred_at, overlap, persons,
 *     contact {name, email, phone}, note}]
 * cfg gives the partners' names (null for a partner no longer in it).
 * Category and note are for the Kernteam: shown to the control socket,
 * never put in a notification. NULL on a store error (logged). */
json_t *referral_list_case(store_t *s, const cfg_t *cfg, int64_t case_id);

#endif

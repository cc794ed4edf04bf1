/*
 * regisseur — the social map: the planregisseurs who may hold a case,
 * with their organisation and how to reach them. Adds, updates,
 * (de)activates and lists them, as JSON objects for the control socket:
 *   {regisseur: "RG-000003", name, organisation, email, phone (or null),
 *    active, created_at (RFC 3339), open_cases}
 * and gives the other parts a regisseur's contact. Writes run in the caller's
 * write transaction. Main thread only.
 */
#ifndef REGIE_REGISSEUR_H
#define REGIE_REGISSEUR_H

#include "problem.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define REGISSEUR_TEXT_MAX 200 /* bytes of a name or an organisation */

/* The fields of an add or an update; NULL: not given. Borrowed. */
typedef struct {
    const char *name;
    const char *organisation;
    const char *email;
    const char *phone; /* "" in an update: remove the phone number */
} regisseur_fields_t;

/* Adds an active regisseur (name, organisation and email required).
 * Refuses invalid fields (bad_request) and an email that an active
 * regisseur has already (conflict). Returns the new regisseur (new
 * reference) or NULL with pb set. */
json_t *regisseur_add(store_t *s, const regisseur_fields_t *f, int64_t now,
                      problem_t *pb);

/* Changes the given fields of regisseur id (at least one). Refuses as
 * regisseur_add does; not_found for an unknown id. Returns the regisseur
 * as it is now, or NULL with pb set. */
json_t *regisseur_update(store_t *s, int64_t id, const regisseur_fields_t *f,
                         problem_t *pb);

/* Deactivates (active false) or reactivates regisseur id. An inactive
 * regisseur cannot be assigned; deactivation is refused (conflict) while
 * the regisseur holds open cases, and so is a change to the state it has
 * already. Returns the regisseur, or NULL with pb set. */
json_t *regisseur_set_active(store_t *s, int64_t id, bool active,
                             problem_t *pb);

/* How to reach a regisseur, and whether they may hold a case: copies
 * owned by the struct (free with regisseur_contact_clear). */
typedef struct {
    char *name;
    char *organisation;
    char *email;
    char *phone; /* NULL when none */
    bool active;
} regisseur_contact_t;

/* Reads the contact of regisseur id into out. Returns 1 with out filled,
 * 0 when there is no such regisseur, -1 on a store error (logged); out
 * is cleared but for 1. */
int regisseur_contact(store_t *s, int64_t id, regisseur_contact_t *out);

/* Frees the strings of c and clears it; accepts a cleared one. */
void regisseur_contact_clear(regisseur_contact_t *c);

/* The active regisseur with this email (compared without regard to
 * case): returns 1 with *id set, 0 when there is none, -1 on a store
 * error (logged). */
int regisseur_by_email(store_t *s, const char *email, int64_t *id);

/* Regisseur id, or NULL with pb set (not_found, unavailable). */
json_t *regisseur_get(store_t *s, int64_t id, problem_t *pb);

/* Every active regisseur (all: inactive ones too), by name: a new JSON
 * array, or NULL with pb set. */
json_t *regisseur_list(store_t *s, bool all, problem_t *pb);

#endif

/*
 * notify — who is told what (DESIGN "Matching", "Notifications"): turns
 * events (a referral joined a case, a regisseur was assigned) into
 * notifications, rendered from the templates of the configuration and
 * queued in the outbox in the caller's transaction. Never puts a BSN, a
 * note, a category or any circumstance of a person in a notification.
 * Main thread only.
 */
#ifndef REGIE_NOTIFY_H
#define REGIE_NOTIFY_H

#include "cfg.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct notify notify_t;

/* What the intake knows of a stored referral; borrowed for the call. */
typedef struct {
    int64_t referral_id;
    int64_t case_id;
    int64_t regisseur_id;    /* 0: the case has no regisseur */
    int open_cases;          /* > 1: the persons spanned several cases */
    const int64_t *other_cases; /* the other open cases */
    int other_cases_n;
    bool new_case;           /* the referral opened the case */
    const char *partner_id;
    const char *partner_name;
    const char *kind;
    const char *urgency;     /* "normaal", "urgent" or "crisis" */
    const char *contact_name, *contact_email, *contact_phone;
} notify_referral_t;

/* Loads and checks the templates of cfg->mail (when enabled). Returns a
 * notify, or NULL after writing every template error as "path:line:
 * message" to stderr. cfg is borrowed until notify_destroy. */
notify_t *notify_new(const cfg_t *cfg);

/* Frees; sets *p to NULL; accepts NULL. */
void notify_destroy(notify_t **p);

/* Whether notifications are made at all (a "mail" group exists). */
bool notify_enabled(const notify_t *n);

/* Queues what a stored referral causes: the regisseur of the case, or
 * the Kernteam (new or unassigned case), and the Kernteam's review when
 * the persons spanned several open cases. In the caller's write
 * transaction. Returns 0 or -1 (store error, logged). */
int notify_referral(notify_t *n, store_t *s, const notify_referral_t *r,
                    int64_t now);

/* Queues the emails of an assignment of case_id to regisseur_id: the new
 * regisseur is told, and the previous one (0: none) that the case moved.
 * In the caller's write transaction. Returns 0 or -1. */
int notify_assigned(notify_t *n, store_t *s, int64_t case_id,
                    int64_t regisseur_id, int64_t previous_id, int64_t now);

#endif

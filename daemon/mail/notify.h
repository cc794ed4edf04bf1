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

#include "config/cfg.h"
#include "store/store.h"

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

/* An agreement as its emails need it; borrowed for the call. */
typedef struct {
    int64_t agreement_id;
    int occurrence;
    const char *kind;         /* progress, assign, partner, request, custom */
    const char *description;
    int64_t case_id;          /* 0: none */
    int64_t due_at;
    const char *owner_type;   /* regisseur, partner, kernteam, department */
    const char *owner;        /* its id as text */
    int period_days;          /* 0: one-off */
    int level;                /* of the step: 0 reminder, 1.. escalation */
    int step;                 /* index of the step in its policy */
    int extensions;           /* of this occurrence: a new ladder each */
    const char *reasons;      /* not-delivered reasons given, or NULL */
} notify_agreement_t;

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
 * event is the id of the assignment's audit event (case.assigned): the
 * emails are keyed on it, so each assignment has its own, and the same
 * one never twice. In the caller's write transaction. Returns 0 or -1. */
int notify_assigned(notify_t *n, store_t *s, int64_t case_id,
                    int64_t regisseur_id, int64_t previous_id, int64_t event,
                    int64_t now);

/* Queues the owner's confirmation of a new agreement (same day: what is
 * agreed, by when). Returns 0 or -1. */
int notify_agreement_made(notify_t *n, store_t *s,
                          const notify_agreement_t *a, int64_t now);

/* Queues the emails of one step of an agreement's ladder: a reminder to
 * the owner, or an escalation to the kernteam and/or the gemeente (and
 * the owner). repeat is 0, or the number of a repeat of the last level.
 * Each recipient's email has its own key, so none is queued twice.
 * Returns 0 or -1. */
int notify_agreement_step(notify_t *n, store_t *s,
                          const notify_agreement_t *a, const cfg_step_t *st,
                          int repeat, int64_t now);

/* The name and email of an agreement's owner (copies for the caller to
 * free; NULL when unknown). Returns 0, or -1 on a store error. */
int notify_owner(const cfg_t *cfg, store_t *s, const char *owner_type,
                 const char *owner, char **name, char **email);

#endif

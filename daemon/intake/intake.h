/*
 * intake — turns a batch of RRP/1 requests from authenticated partners
 * into replies: validates each, and stores and matches the valid
 * referrals in one transaction (group commit), so an ACK is sent only for
 * what is committed. Owns no socket; the server hands it frames. Main
 * thread only.
 */
#ifndef REGIE_INTAKE_H
#define REGIE_INTAKE_H

#include "config/cfg.h"
#include "mail/notify.h"
#include "mon/metrics.h"
#include "rrpreq.h"
#include "store/store.h"

typedef struct intake intake_t;

/* One request of a batch and, after intake_run, its reply. */
typedef struct {
    /* in: set by the caller, borrowed until intake_item_clear */
    const cfg_partner_t *partner; /* the authenticated partner */
    const rrp_frame_t *frames;    /* the frames after the envelope */
    size_t nframes;
    /* out: the reply */
    const char *status; /* "ACK", "NACK" or "PONG" */
    const void *corr;   /* correlation id to echo, or NULL */
    size_t corr_len;
    char *body; /* reply body (JSON), owned */
    /* private to intake */
    rrpreq_t req; /* the decoded request */
    int state;
    int64_t referral_id, case_id; /* what was stored */
    const char *error;            /* the NACK's error, for metrics */
    const char *case_status;
    bool overlap;
} intake_item_t;

/* Makes an intake writing to store under cfg, queueing notifications
 * through notify (all borrowed; cfg and notify may be swapped with
 * intake_set_cfg). */
intake_t *intake_new(store_t *store, const cfg_t *cfg, notify_t *notify);

/* Uses cfg and notify from the next batch on (after a reload). */
void intake_set_cfg(intake_t *in, const cfg_t *cfg, notify_t *notify);

/* Counts accepted and refused referrals in m (borrowed) from now on. */
void intake_set_metrics(intake_t *in, metrics_t *m);

/* Frees the intake; sets *p to NULL; accepts NULL. */
void intake_destroy(intake_t **p);

/* Answers n requests: every item gets status and body (an item that has
 * a body already is left as it is). Referrals are
 * committed together; when the store fails, every referral of the batch
 * gets NACK unavailable and nothing of them is stored. */
void intake_run(intake_t *in, intake_item_t *items, size_t n);

/* Frees what intake_run left in an item. */
void intake_item_clear(intake_item_t *item);

#endif

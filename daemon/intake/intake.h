/*
 * intake — a batch of RRP/1 requests from authenticated partners, in
 * three steps: decode (decode.h) checks each request and pseudonymises
 * its persons; intake_store, the writer's step, stores and matches the
 * valid referrals and reports in one transaction (group commit) and
 * records each request's outcome, so an ACK is made only for what is
 * committed; reply (reply.h) turns the outcomes into reply bodies. The
 * decoder thread runs decode and reply, the main thread (the writer)
 * intake_store: an item belongs to one thread at a time, handed over
 * through the decoder's queue. Owns no socket.
 */
#ifndef REGIE_INTAKE_H
#define REGIE_INTAKE_H

#include "config/cfg.h"
#include "mail/notify.h"
#include "mon/metrics.h"
#include "pseudo.h"
#include "rrpreq.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define INTAKE_PARTNER_MAX 32 /* bytes of a partner id (cfgload) */

/* Where an item stands in the batch. */
enum {
    INTAKE_DONE,     /* reply is final, decided without the store */
    INTAKE_PENDING,  /* a valid referral or report, to be stored */
    INTAKE_ANSWERED, /* reply decided by what the store holds */
    INTAKE_STORED,   /* stored in the transaction: ACK after commit */
};

/* The ACK of a referral, made into a body by reply. */
typedef struct {
    const char *status;  /* "accepted" or "duplicate"; NULL: no such ACK */
    int64_t referral_id; /* the referral and its case */
    int64_t case_id;
    char case_status[16]; /* as first acknowledged */
    char *regisseur;   /* the regisseur disclosed (JSON), owned, or NULL */
} intake_ack_t;

/* One request of a batch: its input, its decoding, its outcome and its
 * reply. */
typedef struct {
    /* in: set by the caller; frames borrowed until intake_item_clear */
    char partner_id[INTAKE_PARTNER_MAX + 1]; /* the authenticated
                                              * partner, "" if none */
    const rrp_frame_t *frames; /* the frames after the envelope */
    size_t nframes;
    /* intake_store's own: the partner in the writer's configuration */
    const cfg_partner_t *partner;
    /* decode */
    rrpreq_t req;                         /* the decoded request */
    unsigned char (*persons)[PSEUDO_LEN]; /* REFERRAL: the pseudonyms of
                                           * req.referral.bsns, owned */
    int state;                            /* INTAKE_* */
    /* the outcome, from decode or intake_store */
    const char *status; /* "ACK", "NACK" or "PONG" */
    const void *corr;   /* correlation id to echo, or NULL */
    size_t corr_len;
    char *body;         /* reply body (JSON), owned; NULL until made */
    intake_ack_t ack;   /* a referral's ACK, for reply to make the body */
    const char *error;  /* the NACK's error, for metrics */
    int64_t stored_id;  /* INTAKE_STORED: the referral, or the report's
                         * agreement */
    bool overlap;       /* the referral spanned several open cases */
} intake_item_t;

typedef struct intake intake_t;

/* Makes the writer's intake: writing to store under cfg, queueing
 * notifications through notify (all borrowed; cfg and notify may be
 * swapped with intake_set_cfg). Main thread. */
intake_t *intake_new(store_t *store, const cfg_t *cfg, notify_t *notify);

/* Uses cfg and notify from the next batch on (after a reload). */
void intake_set_cfg(intake_t *in, const cfg_t *cfg, notify_t *notify);

/* Counts accepted and refused referrals in m (borrowed) from now on. */
void intake_set_metrics(intake_t *in, metrics_t *m);

/* Frees the intake; sets *p to NULL; accepts NULL. */
void intake_destroy(intake_t **p);

/* The writer's step for n decoded items: every INTAKE_PENDING item is
 * looked up, and when new stored and matched, all in one transaction;
 * each gets its outcome (status, and a body or a referral's ack). When
 * the store fails, every pending item gets NACK unavailable and nothing
 * of them is stored. Counts the batch in the metrics. */
void intake_store(intake_t *in, intake_item_t *items, size_t n);

/* Sets the outcome of item to NACK pb (logged once, at notice). */
void intake_nack(intake_item_t *item, const rrp_problem_t *pb);

/* Frees what the steps left in an item and clears it for the next
 * request. */
void intake_item_clear(intake_item_t *item);

#endif

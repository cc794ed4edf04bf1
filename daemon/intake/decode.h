/*
 * decode — the first step of a batch (see intake.h), off the writer:
 * each request's frames and body decoded and checked in one pass
 * (rrpreq) under decode_rules_t, the decoder's own copy of what the
 * configuration says a request may be; a referral's persons
 * pseudonymised; a PING answered and a refusal made at once. Used by
 * the decoder thread (and by the benchmark in one thread).
 */
#ifndef REGIE_DECODE_H
#define REGIE_DECODE_H

#include "config/cfg.h"
#include "intake.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct decode_rules decode_rules_t;

/* A copy of what cfg (borrowed for the call) says about requests: the
 * limits, the categories, the partners' ids and the pseudonym key. */
decode_rules_t *decode_rules_new(const cfg_t *cfg);

/* Frees; sets *p to NULL; accepts NULL. */
void decode_rules_destroy(decode_rules_t **p);

/* Whether id names a partner of the rules. */
bool decode_partner_known(const decode_rules_t *r, const char *id);

/* Decodes n items whose partner_id and frames are set (an item with a
 * body already, such as a refused envelope, is left as it is): a valid
 * REFERRAL or REPORT becomes INTAKE_PENDING, with its persons'
 * pseudonyms; a PING gets its PONG and a refusal its NACK (INTAKE_DONE).
 * No birth date may be after today (the daemon's clock, in the process's
 * time zone). */
void decode_batch(const decode_rules_t *r, intake_item_t *items, size_t n);

#endif

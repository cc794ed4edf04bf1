/*
 * rrpreq — one RRP/1 request decoded in one pass (spec/rrp.md section
 * 2): the frames after the envelope (signature, command, correlation id,
 * body size), then the body as a REFERRAL (rrpreferral) or a REPORT
 * (rrpreport), and the keyed digest of its canonical form that judges a
 * resent request (section 2.3). What the store then does with it is the
 * intake's. No I/O, no state; used by the intake in the main thread and
 * by the unit tests.
 */
#ifndef REGIE_RRPREQ_H
#define REGIE_RRPREQ_H

#include "pseudo.h"
#include "rrp.h"
#include "rrpreferral.h"
#include "rrpreport.h"

#include <stddef.h>

/* What a request may be, from the configuration. Borrowed for the call. */
typedef struct {
    size_t body_max;              /* bytes of a body */
    rrpreferral_rules_t referral; /* what a REFERRAL may contain */
    const unsigned char *key;     /* the pseudonym key (32 bytes) */
} rrpreq_rules_t;

/* A decoded request. */
typedef struct {
    rrp_command_t command;
    const void *corr; /* correlation id, borrowed from the frames; NULL
                       * when it could not be read */
    size_t corr_len;
    rrpreferral_t referral; /* REFERRAL: the valid referral; else cleared */
    rrpreport_t report;     /* REPORT: the valid report; else cleared */
    unsigned char digest[PSEUDO_LEN]; /* REFERRAL, REPORT: keyed digest
                                       * of the canonical body */
} rrpreq_t;

/* Decodes the n frames after the envelope, and the body of a REFERRAL
 * or REPORT, under rules. Returns 0 with out filled (free with
 * rrpreq_clear), or -1 with pb filled (bad_frame, unknown_command,
 * too_large, or what the body's validation found) and nothing in out to
 * free; out->corr is then set whenever a correlation id could be read,
 * so that the NACK can echo it. */
int rrpreq_decode(const rrp_frame_t *frames, size_t n,
                  const rrpreq_rules_t *rules, rrpreq_t *out,
                  rrp_problem_t *pb);

/* Frees what a decoded request owns and clears it; accepts a cleared
 * (zeroed) one. */
void rrpreq_clear(rrpreq_t *r);

#endif

/*
 * reply — the last step of a batch (see intake.h), off the writer: the
 * body of each referral's ACK from the outcome intake_store recorded,
 * and the log line of each accepted referral or report, written
 * together. Used by the decoder thread (and by the benchmark in one
 * thread).
 */
#ifndef REGIE_REPLY_H
#define REGIE_REPLY_H

#include "intake.h"

#include <stddef.h>

/* Gives every item of the n whose outcome is a referral's ACK its body. */
void reply_batch(intake_item_t *items, size_t n);

/* Logs each stored one of the n at info, together (after the replies
 * went: a log line is no reason for a partner to wait). */
void reply_log(const intake_item_t *items, size_t n);

#endif

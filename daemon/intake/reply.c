/*
 * reply — the bodies and log lines of a stored batch (see reply.h).
 * Stateless.
 */
#include "reply.h"

#include "log.h"

#include <jansson.h>
#include <stdio.h>

/* The ACK body of a referral from its stored parts. */
static char *s_ack_body(const intake_ack_t *a)
{
    json_t *reg = a->regisseur ? json_loads(a->regisseur, 0, NULL) : NULL;
    char rref[32], cref[32];
    snprintf(rref, sizeof rref, "R-%06lld", (long long)a->referral_id);
    snprintf(cref, sizeof cref, "C-%06lld", (long long)a->case_id);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "status", a->status,
                          "referral", rref, "case", cref, "case_status",
                          a->case_status, "regisseur",
                          reg ? reg : json_null());
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void s_log_accepted(const intake_item_t *item)
{
    if (item->req.command == RRP_CMD_REPORT) {
        log_info("intake: accepted report agreement=A-%06lld partner=%s",
                 (long long)item->stored_id, item->partner_id);
        return;
    }
    log_info("intake: accepted referral=R-%06lld partner=%s case=C-%06lld "
             "case_status=%s persons=%zu%s",
             (long long)item->stored_id, item->partner_id,
             (long long)item->ack.case_id, item->ack.case_status,
             item->req.referral.persons, item->overlap ? " overlap=yes" : "");
}

void reply_batch(intake_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        intake_item_t *it = &items[i];
        if (!it->body && it->ack.status)
            it->body = s_ack_body(&it->ack);
    }
}

void reply_log(const intake_item_t *items, size_t n)
{
    log_hold();
    for (size_t i = 0; i < n; i++)
        if (items[i].state == INTAKE_STORED)
            s_log_accepted(&items[i]);
    log_release();
}

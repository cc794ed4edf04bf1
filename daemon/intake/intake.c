/*
 * intake — the writer's step of a batch (see intake.h): idempotency,
 * group commit and the outcome of each RRP/1 REFERRAL and REPORT that
 * decode found valid; referral and report store what it holds. Main
 * thread; intake_nack and intake_item_clear are for any step.
 */
#include "intake.h"

#include "agree/agree.h"
#include "agree/agreehook.h"
#include "agree/report.h"
#include "cases/match.h"
#include "cases/referral.h"
#include "cases/regisseur.h"
#include "clock.h"
#include "log.h"
#include "pseudo.h"
#include "ref.h"
#include "store/audit.h"
#include "store/space.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct intake {
    store_t *store;     /* borrowed */
    const cfg_t *cfg;   /* borrowed; swapped on reload */
    notify_t *notify;   /* borrowed; swapped on reload */
    metrics_t *metrics; /* borrowed; NULL: not counted */
    bool space_low;     /* the last batch was refused for want of space */
};

intake_t *intake_new(store_t *store, const cfg_t *cfg, notify_t *notify)
{
    intake_t *in = xcalloc(1, sizeof *in);
    in->store = store;
    in->cfg = cfg;
    in->notify = notify;
    return in;
}

void intake_set_cfg(intake_t *in, const cfg_t *cfg, notify_t *notify)
{
    in->cfg = cfg;
    in->notify = notify;
}

void intake_set_metrics(intake_t *in, metrics_t *m)
{
    in->metrics = m;
}

void intake_destroy(intake_t **p)
{
    if (!p || !*p)
        return;
    free(*p);
    *p = NULL;
}

void intake_item_clear(intake_item_t *item)
{
    free(item->body);
    free(item->persons);
    free(item->ack.regisseur);
    rrpreq_clear(&item->req);
    *item = (intake_item_t){0};
    item->req.report.count = -1;
}

/* Logs a refused request once, at notice: who, which error, which field
 * (never a value of it: no BSN, no note). Batches refused as unavailable
 * are logged once for the batch instead. */
static void s_log_refused(const intake_item_t *item, const rrp_problem_t *pb)
{
    if (pb->error == RRP_UNAVAILABLE)
        return;
    char field[sizeof pb->field];
    size_t i = 0;
    for (; pb->field[i] && i < sizeof field - 1; i++)
        field[i] = pb->field[i] > ' ' && pb->field[i] < 0x7f ? pb->field[i]
                                                             : '?';
    field[i] = '\0';
    bool framed = pb->error != RRP_BAD_FRAME &&
                  pb->error != RRP_UNKNOWN_COMMAND;
    log_notice("intake: refused %s partner=%s error=%s%s%s",
               !framed                                ? "request"
               : item->req.command == RRP_CMD_REPORT ? "report"
                                                      : "referral",
               item->partner_id[0] ? item->partner_id : "?",
               rrp_error_name(pb->error), field[0] ? " field=" : "", field);
}

void intake_nack(intake_item_t *item, const rrp_problem_t *pb)
{
    s_log_refused(item, pb);
    free(item->body);
    free(item->ack.regisseur);
    item->ack = (intake_ack_t){0};
    item->status = "NACK";
    item->error = rrp_error_name(pb->error);
    item->body = rrp_nack_body(pb);
    item->state = INTAKE_DONE;
}

/* Whether the partner may send this referral: kind, category, postcode. */
static bool s_allowed(const intake_t *in, const cfg_partner_t *p,
                      const rrpreferral_t *r, rrp_problem_t *pb)
{
    if (p->kinds && !cfg_list_has(p->kinds, p->kinds_n, r->kind)) {
        rrp_problem_set(pb, RRP_FORBIDDEN, "/kind",
                        "partner %s may not send kind '%s'", p->id, r->kind);
        return false;
    }
    if (p->categories &&
        !cfg_list_has(p->categories, p->categories_n, r->category)) {
        rrp_problem_set(pb, RRP_FORBIDDEN, "/category",
                        "partner %s may not send category '%s'", p->id,
                        r->category);
        return false;
    }
    if (r->postcode[0] && in->cfg->postcodes_n > 0) {
        int num = atoi(r->postcode);
        bool inside = false;
        for (size_t i = 0; i < in->cfg->postcodes_n && !inside; i++)
            inside = num >= in->cfg->postcodes[i].from &&
                     num <= in->cfg->postcodes[i].to;
        if (!inside) {
            rrp_problem_set(pb, RRP_FORBIDDEN, "/postcode",
                            "postcode %s is outside the area this gemeente "
                            "serves",
                            r->postcode);
            return false;
        }
    }
    return true;
}

/* Looks the referral up by (partner, external_id). Returns 1 when found
 * (the item's reply is then final: duplicate or conflict), 0 when new, -1
 * on a store error. */
static int s_known(intake_t *in, intake_item_t *item)
{
    referral_found_t f;
    int found =
        referral_find(in->store, item->partner->id,
                      item->req.referral.external_id, item->req.digest, &f);
    if (found <= 0)
        return found;
    if (found == 2) {
        rrp_problem_t pb;
        time_t when = (time_t)f.received_at;
        char date[32];
        struct tm tm;
        strftime(date, sizeof date, "%Y-%m-%d %H:%M", localtime_r(&when, &tm));
        rrp_problem_set(&pb, RRP_CONFLICT, "/external_id",
                        "external_id was used on %s for a different "
                        "referral (R-%06lld); use a new external_id",
                        date, (long long)f.id);
        intake_nack(item, &pb);
    } else {
        item->status = "ACK";
        item->ack.status = "duplicate";
        item->ack.referral_id = f.id;
        item->ack.case_id = f.case_id;
        snprintf(item->ack.case_status, sizeof item->ack.case_status, "%s",
                 f.case_status ? f.case_status : "");
        item->ack.regisseur = f.ack_regisseur; /* taken */
        f.ack_regisseur = NULL;
    }
    item->state = INTAKE_ANSWERED;
    referral_found_clear(&f);
    return 1;
}

/* The regisseur of a case as the JSON the ACK discloses; caller frees.
 * NULL when there is none to disclose. */
static char *s_regisseur_json(intake_t *in, int64_t id)
{
    regisseur_contact_t c;
    char *out = NULL;
    if (regisseur_contact(in->store, id, &c) == 1) {
        json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?}", "name", c.name,
                              "organisation", c.organisation, "email", c.email,
                              "phone", c.phone);
        out = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
    regisseur_contact_clear(&c);
    return out;
}

/* Inserts the referral row; returns its id or -1. */
static int64_t s_insert(intake_t *in, const intake_item_t *item,
                        const match_result_t *m, const char *regisseur,
                        int64_t now)
{
    const rrpreferral_t *r = &item->req.referral;
    referral_in_t row = {
        .partner = item->partner->id,
        .external_id = r->external_id,
        .digest = item->req.digest,
        .case_id = m->case_id,
        .kind = r->kind,
        .category = r->category,
        .urgency = r->urgency,
        .birth_date = r->birth_date,
        .postcode = r->postcode[0] ? r->postcode : NULL,
        .contact_name = r->contact_name,
        .contact_email = r->contact_email,
        .contact_phone = r->contact_phone,
        .occurred_at = r->occurred_at,
        .note = r->note,
        .persons = (int64_t)r->persons,
        .overlap = m->open_cases > 1,
        .received_at = now,
        .case_status = match_status_name(m->status),
        .ack_regisseur = regisseur,
    };
    return referral_insert(in->store, &row);
}

/* Queues the notifications of a stored referral. */
static int s_notify(intake_t *in, const intake_item_t *item, int64_t id,
                    const match_result_t *m, int64_t now)
{
    const rrpreferral_t *r = &item->req.referral;
    notify_referral_t nr = {
        .referral_id = id,
        .case_id = m->case_id,
        .regisseur_id = m->regisseur_id,
        .open_cases = m->open_cases,
        .other_cases = m->others,
        .other_cases_n = m->others_n,
        .new_case = m->status == MATCH_NEW,
        .partner_id = item->partner->id,
        .partner_name = item->partner->name,
        .kind = r->kind,
        .urgency = r->urgency,
        .contact_name = r->contact_name,
        .contact_email = r->contact_email,
        .contact_phone = r->contact_phone,
    };
    return notify_referral(in->notify, in->store, &nr, now);
}

/* Records the referral and what it did to its case in the audit trail,
 * and starts the assignment agreement of a new case. */
static int s_record(intake_t *in, const intake_item_t *item, int64_t id,
                    const match_result_t *m, int64_t now)
{
    char actor[48], ref[24], details[96];
    snprintf(actor, sizeof actor, "partner:%s", item->partner->id);
    ref_format(ref, sizeof ref, "R", id);
    /* {kind, persons, case_status} as jansson writes it (sorted keys):
     * both words are the spec's or ours, none needs escaping. */
    snprintf(details, sizeof details,
             "{\"case_status\":\"%s\",\"kind\":\"%s\",\"persons\":%d}",
             match_status_name(m->status), item->req.referral.kind,
             (int)item->req.referral.persons);
    int rc = audit_add_text(in->store, now, actor, "referral.accepted",
                            m->case_id, 0, ref, details);
    /* Joining a case is in the referral's event; opening one is its own. */
    if (rc == 0 && m->status == MATCH_NEW)
        rc = audit_add(in->store, now, actor, "case.opened", m->case_id, 0, ref,
                       NULL);
    if (rc == 0 && m->status == MATCH_NEW)
        rc = agreehook_new_case(in->store, in->cfg, in->notify, m->case_id,
                                now);
    return rc;
}

/* The agreement a new report names, when it is open and this partner
 * reports on it: returns 1 with *id set; 0 when not (the item is then
 * answered unknown_agreement); -1 on a store error. */
static int s_report_agreement(intake_t *in, intake_item_t *item, int64_t *id)
{
    const rrpreport_t *r = &item->req.report;
    *id = 0;
    int owned = ref_parse(r->agreement, "A", id)
                    ? agree_owned_open(in->store, *id, item->partner->id)
                    : 0;
    if (owned == 0) {
        rrp_problem_t pb;
        rrp_problem_set(&pb, RRP_UNKNOWN_AGREEMENT, "/agreement",
                        "there is no open agreement %.40s that partner %s "
                        "reports on",
                        r->agreement, item->partner->id);
        intake_nack(item, &pb);
    }
    return owned;
}

/* Stores a new report on agreement and applies it; *reply is its ACK
 * body. Returns 0 or -1 on a store error. */
static int s_report_apply(intake_t *in, const intake_item_t *item,
                          int64_t agreement, int64_t now, json_t **reply)
{
    const rrpreport_t *r = &item->req.report;
    char actor[48];
    snprintf(actor, sizeof actor, "partner:%s", item->partner->id);
    report_in_t in_r = {.source = item->partner->id,
                        .external_id = r->external_id,
                        .digest = item->req.digest,
                        .agreement_id = agreement,
                        .delivered = strcmp(r->status, "delivered") == 0,
                        .reason = r->reason,
                        .period = r->period,
                        .count = r->count,
                        .note = r->note,
                        .actor = actor};
    return report_store(in->store, in->cfg, &in_r, now, reply);
}

/* Stores one valid REPORT in the open transaction: a duplicate, a
 * conflict, an unknown agreement, or stored and applied. Returns 0, or
 * -1 on a store error. */
static int s_store_report(intake_t *in, intake_item_t *item, int64_t now)
{
    json_t *reply = NULL;
    int64_t agreement = 0;
    item->state = INTAKE_ANSWERED;
    int found =
        report_find(in->store, item->partner->id, item->req.report.external_id,
                    item->req.digest, &reply);
    if (found < 0)
        return -1;
    if (found == 2) {
        rrp_problem_t pb;
        rrp_problem_set(&pb, RRP_CONFLICT, "/external_id",
                        "external_id was used before for a different "
                        "report; use a new external_id");
        intake_nack(item, &pb);
        return 0;
    }
    if (found == 0) {
        int owned = s_report_agreement(in, item, &agreement);
        if (owned <= 0)
            return owned;
        if (s_report_apply(in, item, agreement, now, &reply) < 0)
            return -1;
    }
    item->status = "ACK";
    item->body = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    item->state = found == 0 ? INTAKE_STORED : INTAKE_ANSWERED;
    item->stored_id = found == 0 ? agreement : 0;
    return 0;
}

/* Matches a new referral's persons to their case, stores it there and
 * queues and records what that causes; the item is then INTAKE_STORED with
 * its ACK. Returns 0, or -1 on a store error. */
static int s_join(intake_t *in, intake_item_t *item,
                  const unsigned char (*persons)[PSEUDO_LEN], int64_t now)
{
    const rrpreferral_t *r = &item->req.referral;
    match_result_t m;
    char *reg = NULL;
    int64_t id = -1;
    if (match_find(in->store, persons, r->persons, now, &m) == 0) {
        if (m.regisseur_id && item->partner->disclose_regisseur)
            reg = s_regisseur_json(in, m.regisseur_id);
        id = s_insert(in, item, &m, reg, now);
    }
    if (id > 0 &&
        match_join(in->store, m.case_id, persons, r->persons, id, now) == 0 &&
        s_notify(in, item, id, &m, now) == 0 &&
        s_record(in, item, id, &m, now) == 0) {
        item->status = "ACK";
        item->ack.status = "accepted";
        item->ack.referral_id = id;
        item->ack.case_id = m.case_id;
        snprintf(item->ack.case_status, sizeof item->ack.case_status, "%s",
                 match_status_name(m.status));
        item->ack.regisseur = reg; /* taken */
        reg = NULL;
        item->state = INTAKE_STORED;
        item->stored_id = id;
        item->overlap = m.open_cases > 1;
    }
    free(reg);
    return item->state == INTAKE_STORED ? 0 : -1;
}

/* Stores one valid referral in the open transaction. Returns 0 (the item
 * is INTAKE_STORED, or INTAKE_ANSWERED with a duplicate/conflict/forbidden reply)
 * or -1 on a store error. */
static int s_store(intake_t *in, intake_item_t *item, int64_t now)
{
    const rrpreferral_t *r = &item->req.referral;
    int known = s_known(in, item);
    if (known != 0)
        return known < 0 ? -1 : 0;
    rrp_problem_t pb;
    if (!s_allowed(in, item->partner, r, &pb)) {
        intake_nack(item, &pb);
        item->state = INTAKE_ANSWERED;
        return 0;
    }
    return s_join(in, item, (const void *)item->persons, now);
}

/* Answers every referral that reached the store with unavailable: the
 * transaction was rolled back (or never begun), so nothing of them was
 * stored. */
static void s_unavailable(intake_item_t *items, size_t n, bool space)
{
    rrp_problem_t pb;
    rrp_problem_set(&pb, RRP_UNAVAILABLE, NULL,
                    space ? "regied cannot store right now (its disk is "
                            "nearly full); nothing was stored, send the "
                            "same request again later"
                          : "regied cannot store right now; nothing was "
                            "stored, send the same request again later");
    for (size_t i = 0; i < n; i++)
        if (items[i].state != INTAKE_DONE)
            intake_nack(&items[i], &pb);
}

/* Counts what a batch did in the metrics: referrals stored, refused. */
static void s_count(intake_t *in, const intake_item_t *items, size_t n)
{
    for (size_t i = 0; in->metrics && i < n; i++) {
        const intake_item_t *it = &items[i];
        const char *partner =
            cfg_partner_by_id(in->cfg, it->partner_id) ? it->partner_id : "?";
        if (it->state == INTAKE_STORED && it->req.command == RRP_CMD_REFERRAL)
            metrics_referral(in->metrics, partner, NULL);
        else if (it->status && strcmp(it->status, "NACK") == 0)
            metrics_referral(in->metrics, partner,
                             it->error ? it->error : "bad_frame");
    }
}

/* Whether the disk has room for a batch of pending requests (see
 * space.h): refused at once below the reserve, before SQLite would fail.
 * Logs when the state changes, not for every batch. */
static bool s_space(intake_t *in, size_t pending)
{
    char why[200];
    space_limits_t lim = {.db_path = in->cfg->database,
                          .min_free_mb = in->cfg->min_free_mb,
                          .max_db_mb = in->cfg->max_database_mb};
    bool ok = space_ok(&lim, why, sizeof why);
    if (!ok && !in->space_low)
        log_warn("intake: refusing referrals reason=space referrals=%zu "
                 "detail=\"%s\"",
                 pending, why);
    else if (ok && in->space_low)
        log_notice("intake: space is back; taking referrals again");
    in->space_low = !ok;
    return ok;
}

/* The partner of each pending item in the writer's configuration; an
 * item whose partner a reload removed since it was decoded is refused,
 * as it would have been had it come after. Returns the items still
 * pending. */
static size_t s_partners(intake_t *in, intake_item_t *items, size_t n)
{
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        intake_item_t *it = &items[i];
        if (it->state != INTAKE_PENDING)
            continue;
        it->partner = cfg_partner_by_id(in->cfg, it->partner_id);
        if (!it->partner) {
            rrp_problem_t pb;
            rrp_problem_set(&pb, RRP_FORBIDDEN, NULL,
                            "this partner is no longer configured");
            intake_nack(it, &pb);
        }
        pending += it->state == INTAKE_PENDING;
    }
    return pending;
}

/* Stores the pending items in one transaction (see intake_store). */
static void s_run(intake_t *in, intake_item_t *items, size_t n)
{
    int64_t now = clock_now();
    size_t pending = s_partners(in, items, n), accepted = 0;
    if (pending == 0)
        return;
    if (!s_space(in, pending)) {
        s_unavailable(items, n, true);
        return;
    }
    if (store_begin(in->store) < 0) {
        s_unavailable(items, n, false);
        log_warn("intake: batch refused reason=store referrals=%zu", pending);
        return;
    }
    int failed = 0;
    for (size_t i = 0; i < n && !failed; i++)
        if (items[i].state == INTAKE_PENDING)
            failed = (items[i].req.command == RRP_CMD_REPORT
                          ? s_store_report(in, &items[i], now)
                          : s_store(in, &items[i], now)) < 0;
    if (failed || store_commit(in->store) < 0) {
        store_rollback(in->store);
        s_unavailable(items, n, false);
        log_warn("intake: batch rolled back referrals=%zu", pending);
        return;
    }
    for (size_t i = 0; i < n; i++)
        accepted += items[i].state == INTAKE_STORED;
    log_debug("intake: committed batch=%zu accepted=%zu", n, accepted);
}

void intake_store(intake_t *in, intake_item_t *items, size_t n)
{
    log_hold(); /* a batch's lines (outbox, notices) in one write */
    s_run(in, items, n);
    log_release();
    s_count(in, items, n);
    for (size_t i = 0; i < n; i++)
        items[i].partner = NULL; /* the writer's, not the item's */
}

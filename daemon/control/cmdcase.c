/*
 * cmdcase — the control commands of the social map and of cases:
 * regisseur.add, .update, .activate, .deactivate, .list, .show; case.list,
 * .show, .assign, .type, .close, .lookup. Checks arguments; regisseur and
 * casefile do the work, notify and agree what a change causes. Main
 * thread only.
 */
#include "cmdcase.h"

#include "agree/agreehook.h"
#include "bsn.h"
#include "cases/casefile.h"
#include "cases/regisseur.h"
#include "mail/notify.h"
#include "pseudo.h"
#include "ref.h"
#include "store/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static regisseur_fields_t s_fields(const cmd_call_t *c)
{
    return (regisseur_fields_t){
        .name = cmd_str(c, "name"),
        .organisation = cmd_str(c, "organisation"),
        .email = cmd_str(c, "email"),
        .phone = cmd_str(c, "phone"),
    };
}

/* Notes the change made to the regisseur in r (a result) for the log. */
static json_t *s_regisseur_change(cmd_call_t *c, json_t *r, const char *verb)
{
    if (r)
        snprintf(c->out->change, sizeof c->out->change, "%s regisseur=%s", verb,
                 json_string_value(json_object_get(r, "regisseur")));
    return r;
}

static json_t *s_regisseur_add(cmd_call_t *c)
{
    regisseur_fields_t f = s_fields(c);
    json_t *r = regisseur_add(c->env->store, &f, c->now, &c->out->pb);
    return s_regisseur_change(c, r, "added");
}

static json_t *s_regisseur_update(cmd_call_t *c)
{
    int64_t id;
    regisseur_fields_t f = s_fields(c);
    if (!cmd_ref(c, "regisseur", REF_REGISSEUR, &id))
        return NULL;
    json_t *r = regisseur_update(c->env->store, id, &f, &c->out->pb);
    return s_regisseur_change(c, r, "updated");
}

static json_t *s_set_active(cmd_call_t *c, bool active)
{
    int64_t id;
    if (!cmd_ref(c, "regisseur", REF_REGISSEUR, &id))
        return NULL;
    json_t *r = regisseur_set_active(c->env->store, id, active, &c->out->pb);
    return s_regisseur_change(c, r, active ? "activated" : "deactivated");
}

static json_t *s_regisseur_deactivate(cmd_call_t *c)
{
    return s_set_active(c, false);
}

static json_t *s_regisseur_activate(cmd_call_t *c)
{
    return s_set_active(c, true);
}

static json_t *s_regisseur_list(cmd_call_t *c)
{
    return regisseur_list(c->env->store, cmd_bool(c, "all"), &c->out->pb);
}

static json_t *s_regisseur_show(cmd_call_t *c)
{
    int64_t id;
    if (!cmd_ref(c, "regisseur", REF_REGISSEUR, &id))
        return NULL;
    json_t *r = regisseur_get(c->env->store, id, &c->out->pb);
    casefile_filter_t f = {.status = "open", .regisseur_id = id};
    json_t *cases = r ? casefile_list(c->env->store, &f, &c->out->pb) : NULL;
    if (!cases) {
        json_decref(r);
        return NULL;
    }
    json_object_set_new(r, "cases", cases);
    return r;
}

static json_t *s_case_list(cmd_call_t *c)
{
    casefile_filter_t f = {.status = cmd_str(c, "status"),
                           .unassigned = cmd_bool(c, "unassigned")};
    if (!cmd_ref(c, "regisseur", REF_REGISSEUR, &f.regisseur_id))
        return NULL;
    if (f.regisseur_id && f.unassigned) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "give regisseur or unassigned, not both");
        return NULL;
    }
    if (f.regisseur_id) {
        json_t *r = regisseur_get(c->env->store, f.regisseur_id, &c->out->pb);
        if (!r)
            return NULL;
        json_decref(r);
    }
    return casefile_list(c->env->store, &f, &c->out->pb);
}

static json_t *s_case_show(cmd_call_t *c)
{
    int64_t id;
    if (!cmd_ref(c, "case", REF_CASE, &id))
        return NULL;
    return casefile_show(c->env->store, c->env->cfg, id, &c->out->pb);
}

/* Records a case change in the audit trail, after hook (the agreements
 * the change starts or ends) ran; on failure r is dropped and pb set, so
 * the transaction is rolled back. */
static json_t *s_case_changed(cmd_call_t *c, json_t *r, int64_t id,
                              const char *action, int hook)
{
    char actor[80];
    json_t *d = json_object();
    json_object_set(d, "previous", json_object_get(r, "previous"));
    int rc = hook < 0
                 ? -1
                 : audit_add(c->env->store, c->now,
                             cmd_actor(c, actor, sizeof actor), action, id, 0,
                             json_string_value(json_object_get(r, "case")), d);
    json_decref(d);
    if (rc < 0) {
        json_decref(r);
        problem_store(&c->out->pb);
        return NULL;
    }
    return r;
}

/* What an assignment causes, once its case.assigned event is recorded:
 * the emails to the new regisseur and the previous one (when
 * notifications are made), keyed on that event, and the agreements. */
static int s_on_assign(cmd_call_t *c, json_t *r, int64_t id, int64_t rid,
                       int64_t event)
{
    char actor[80];
    int64_t previous = 0;
    const char *prev = json_string_value(json_object_get(r, "previous"));
    if (prev)
        ref_parse(prev, REF_REGISSEUR, &previous);
    notify_t *n = c->env->notify;
    if (n && notify_enabled(n) &&
        notify_assigned(n, c->env->store, id, rid, previous, event, c->now) < 0)
        return -1;
    return agreehook_assign(c->env->store, c->env->cfg, n, id, rid, c->now,
                            cmd_actor(c, actor, sizeof actor));
}

static json_t *s_case_assign(cmd_call_t *c)
{
    int64_t id, rid;
    if (!cmd_ref(c, "case", REF_CASE, &id) ||
        !cmd_ref(c, "regisseur", REF_REGISSEUR, &rid))
        return NULL;
    json_t *r = casefile_assign(c->env->store, id, rid, c->now, &c->out->pb);
    if (r)
        r = s_case_changed(c, r, id, "case.assigned", 0);
    /* The event's id (the last insert: s_case_changed ends with it)
     * keys the emails, so each assignment has its own, however soon the
     * next one comes. */
    if (r && s_on_assign(c, r, id, rid, store_last_id(c->env->store)) < 0) {
        json_decref(r);
        problem_store(&c->out->pb);
        r = NULL;
    }
    if (r) {
        const char *prev = json_string_value(json_object_get(r, "previous"));
        snprintf(c->out->change, sizeof c->out->change,
                 "assigned case=%s regisseur=%s previous=%s",
                 json_string_value(json_object_get(r, "case")),
                 json_string_value(json_object_get(r, "regisseur")),
                 prev ? prev : "none");
    }
    return r;
}

static json_t *s_case_type(cmd_call_t *c)
{
    int64_t id;
    if (!cmd_ref(c, "case", REF_CASE, &id))
        return NULL;
    json_t *r =
        casefile_set_type(c->env->store, id, cmd_str(c, "type"), &c->out->pb);
    if (r)
        r = s_case_changed(c, r, id, "case.typed",
                           agreehook_type(c->env->store, c->env->cfg, id,
                                          cmd_str(c, "type"), c->now));
    if (r)
        snprintf(c->out->change, sizeof c->out->change,
                 "typed case=%s type=%s previous=%s",
                 json_string_value(json_object_get(r, "case")),
                 json_string_value(json_object_get(r, "type")),
                 json_string_value(json_object_get(r, "previous")));
    return r;
}

static json_t *s_case_close(cmd_call_t *c)
{
    int64_t id;
    if (!cmd_ref(c, "case", REF_CASE, &id))
        return NULL;
    json_t *r = casefile_close(c->env->store, id, cmd_str(c, "reason"), c->now,
                               &c->out->pb);
    char actor[80];
    if (r)
        r = s_case_changed(c, r, id, "case.closed",
                           agreehook_close(c->env->store, id,
                                           cmd_actor(c, actor, sizeof actor),
                                           c->now, c->env->cfg));
    if (r) /* the reason may speak of the household: not logged */
        snprintf(c->out->change, sizeof c->out->change, "closed case=%s",
                 json_string_value(json_object_get(r, "case")));
    return r;
}

/* Finds the cases of a person by BSN. The BSN is checked, hashed and
 * wiped from the request; it is never logged nor echoed. The lookup
 * itself is logged (who looked, how many cases), as an audit trail. */
static json_t *s_case_lookup(cmd_call_t *c)
{
    json_t *v = json_object_get(c->args, "bsn");
    char *bsn = (char *)json_string_value(v);
    char why[64];
    json_t *r = NULL;
    if (!bsn_check(bsn, why, sizeof why)) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST, "the BSN %s", why);
    } else {
        unsigned char person[PSEUDO_LEN];
        pseudo_person(c->env->cfg->pseudo_key, bsn, person);
        r = casefile_lookup(c->env->store, person, &c->out->pb);
        sodium_memzero(person, sizeof person);
    }
    sodium_memzero(bsn, json_string_length(v));
    if (r)
        snprintf(c->out->change, sizeof c->out->change, "lookup cases=%zu",
                 json_array_size(r));
    return r;
}

const cmd_t cmdcase_commands[] = {
    {"regisseur.add",
     s_regisseur_add,
     true,
     {{"name", 's', true},
      {"organisation", 's', true},
      {"email", 's', true},
      {"phone", 's', false}}},
    {"regisseur.update",
     s_regisseur_update,
     true,
     {{"regisseur", 'r', true},
      {"name", 's', false},
      {"organisation", 's', false},
      {"email", 's', false},
      {"phone", 's', false}}},
    {"regisseur.deactivate",
     s_regisseur_deactivate,
     true,
     {{"regisseur", 'r', true}}},
    {"regisseur.activate",
     s_regisseur_activate,
     true,
     {{"regisseur", 'r', true}}},
    {"regisseur.list", s_regisseur_list, false, {{"all", 'b', false}}},
    {"regisseur.show", s_regisseur_show, false, {{"regisseur", 'r', true}}},
    {"case.list",
     s_case_list,
     false,
     {{"status", 's', false},
      {"regisseur", 'r', false},
      {"unassigned", 'b', false}}},
    {"case.show", s_case_show, false, {{"case", 'r', true}}},
    {"case.assign",
     s_case_assign,
     true,
     {{"case", 'r', true}, {"regisseur", 'r', true}}},
    {"case.type",
     s_case_type,
     true,
     {{"case", 'r', true}, {"type", 's', true}}},
    {"case.close",
     s_case_close,
     true,
     {{"case", 'r', true}, {"reason", 's', true}}},
    {"case.lookup", s_case_lookup, false, {{"bsn", 's', true}}},
};
const size_t cmdcase_commands_n =
    sizeof cmdcase_commands / sizeof *cmdcase_commands;

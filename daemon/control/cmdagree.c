/*
 * cmdagree — the control commands of agreements and reports:
 * agreement.make, .list, .show, .report, .extend, .waive, .overdue.
 * Checks arguments; agree, report and agreeq do the work. Main thread.
 */
#include "cmdagree.h"

#include "agree/agree.h"
#include "agree/agreeq.h"
#include "agree/report.h"
#include "bsn.h"
#include "cal.h"
#include "cases/regisseur.h"
#include "ref.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DESCRIPTION_MAX 300

static const char s_sql_case_open[] = "SELECT status FROM cases WHERE id = ?1";

static json_t *s_bad(cmd_call_t *c, const char *msg)
{
    problem_set(&c->out->pb, PROBLEM_BAD_REQUEST, "%s", msg);
    return NULL;
}

/* Sets a bad_request problem with msg; returns false. */
static bool s_refuse(cmd_call_t *c, const char *msg)
{
    s_bad(c, msg);
    return false;
}

/* Resolves regisseur owner ("RG-000003"), who must exist and be active,
 * into the stored owner id text. */
static bool s_owner_regisseur(cmd_call_t *c, const char *owner, char *out,
                              size_t len)
{
    int64_t id;
    if (!ref_parse(owner, "RG", &id)) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "owner must be a regisseur like RG-000003");
        return false;
    }
    regisseur_contact_t r;
    int found = regisseur_contact(c->env->store, id, &r);
    bool active = found == 1 && r.active;
    regisseur_contact_clear(&r);
    if (found < 0)
        problem_store(&c->out->pb);
    else if (!active)
        problem_set(&c->out->pb, found ? PROBLEM_CONFLICT : PROBLEM_NOT_FOUND,
                    "regisseur %s %s", owner,
                    found ? "is not active" : "does not exist");
    if (active)
        snprintf(out, len, "%lld", (long long)id);
    return active;
}

/* Resolves owner_type and owner into the stored owner id text. */
static bool s_owner(cmd_call_t *c, const char *type, const char *owner,
                    char *out, size_t len)
{
    const cfg_t *cfg = c->env->cfg;
    if (strcmp(type, "regisseur") == 0)
        return s_owner_regisseur(c, owner, out, len);
    bool ok = (strcmp(type, "partner") == 0 && cfg_partner_by_id(cfg, owner)) ||
              (strcmp(type, "department") == 0 && cfg_department(cfg, owner)) ||
              (strcmp(type, "kernteam") == 0);
    if (!ok) {
        problem_set(&c->out->pb, PROBLEM_NOT_FOUND,
                    "there is no %s '%.40s' in the configuration", type, owner);
        return false;
    }
    snprintf(out, len, "%s",
             strcmp(type, "kernteam") == 0 ? "kernteam" : owner);
    return true;
}

/* Checks that case id exists and is open. */
static bool s_case_open(cmd_call_t *c, int64_t id)
{
    sqlite3_stmt *st = store_prepare(c->env->store, s_sql_case_open);
    if (!st) {
        problem_store(&c->out->pb);
        return false;
    }
    store_bind_int64(c->env->store, st, 1, id);
    int rc = store_step(c->env->store, st);
    bool open = rc == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(st, 0), "open") == 0;
    sqlite3_reset(st);
    if (!open)
        problem_set(&c->out->pb,
                    rc == SQLITE_ROW ? PROBLEM_CONFLICT : PROBLEM_NOT_FOUND,
                    "case C-%06lld %s", (long long)id,
                    rc == SQLITE_ROW ? "is closed" : "does not exist");
    return open;
}

/* The agreement object of id, or NULL with pb set. */
static json_t *s_one(cmd_call_t *c, int64_t id, int details)
{
    int found;
    json_t *o = agreeq_one(c->env->store, c->env->cfg, id, details, &found);
    if (!o && found == 0)
        problem_set(&c->out->pb, PROBLEM_NOT_FOUND,
                    "there is no agreement A-%06lld", (long long)id);
    else if (!o)
        problem_store(&c->out->pb);
    return o;
}

/* Reads the agreement argument, which must be open. */
static bool s_open_agreement(cmd_call_t *c, int64_t *id)
{
    if (!cmd_ref(c, "agreement", "A", id))
        return false;
    json_t *o = s_one(c, *id, 0);
    if (!o)
        return false;
    bool open =
        strcmp(json_string_value(json_object_get(o, "status")), "open") == 0;
    if (!open)
        problem_set(&c->out->pb, PROBLEM_CONFLICT,
                    "agreement A-%06lld is %s, not open", (long long)*id,
                    json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return open;
}

/* Reads the required reason argument. */
static const char *s_reason(cmd_call_t *c)
{
    const char *r = cmd_str(c, "reason");
    if (!r || strspn(r, " \t\r\n") == strlen(r) || strlen(r) > 2000) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "a reason is required (1 to 2000 characters)");
        return NULL;
    }
    if (bsn_in_text(r)) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "the reason holds what looks like a BSN; reasons are "
                    "emailed, so leave it out");
        return NULL;
    }
    return r;
}

/* Checks kind, owner_type and description of agreement.make into a,
 * in that order. Returns false with pb set. */
static bool s_make_what(cmd_call_t *c, agree_new_t *a)
{
    const char *type = a->owner_type, *desc = a->description;
    if (a->kind < 0)
        return s_refuse(c, "kind must be custom, request, progress, assign or "
                           "partner");
    if (strcmp(type, "regisseur") && strcmp(type, "partner") &&
        strcmp(type, "kernteam") && strcmp(type, "department"))
        return s_refuse(c, "owner_type must be regisseur, partner, kernteam or "
                           "department");
    if (!*desc || strlen(desc) > S_DESCRIPTION_MAX || strchr(desc, '\n'))
        return s_refuse(c, "description must be one line of 1 to 300 "
                           "characters");
    if (bsn_in_text(desc))
        return s_refuse(c, "description holds what looks like a BSN; it is "
                           "emailed, so leave it out");
    return true;
}

/* Reads due, period_days and policy of agreement.make into a, in that
 * order. Returns false with pb set. */
static bool s_make_when(cmd_call_t *c, agree_new_t *a)
{
    json_t *period = json_object_get(c->args, "period_days");
    if (!cmd_str(c, "due") && a->kind == CFG_KIND_REQUEST)
        /* a department's response time, from the configuration */
        a->due_at =
            cal_add_days(c->now - c->now % 60, c->env->cfg->request_days);
    else if (cal_parse(cmd_str(c, "due"), &a->due_at) < 0)
        return s_refuse(c, "due must be like \"2026-12-01 09:00\" (local) or "
                           "RFC 3339");
    if (a->due_at <= c->now)
        return s_refuse(c, "due must be in the future");
    if (period && json_integer_value(period) < 1)
        return s_refuse(c, "period_days must be 1 or more");
    a->period_days = period ? (int)json_integer_value(period) : 0;
    if (a->policy && !cfg_policy(c->env->cfg, a->policy))
        return s_refuse(c, "no policy of that name in the configuration");
    return true;
}

static json_t *s_make(cmd_call_t *c)
{
    const char *kind = cmd_str(c, "kind") ? cmd_str(c, "kind") : "custom";
    const char *type = cmd_str(c, "owner_type");
    agree_new_t a = {.kind = cfg_kind(kind),
                     .owner_type = type,
                     .description = cmd_str(c, "description"),
                     .policy = cmd_str(c, "policy"),
                     .confirm = true};
    char owner[64], actor[80];
    if (!s_make_what(c, &a) || !s_make_when(c, &a) ||
        !s_owner(c, type, cmd_str(c, "owner"), owner, sizeof owner) ||
        !cmd_ref(c, "case", "C", &a.case_id) ||
        (a.case_id && !s_case_open(c, a.case_id)))
        return NULL;
    a.owner = owner;
    a.actor = cmd_actor(c, actor, sizeof actor);
    int64_t id;
    if (agree_make(c->env->store, c->env->cfg, c->env->notify, &a, c->now,
                   &id) < 0) {
        problem_store(&c->out->pb);
        return NULL;
    }
    snprintf(c->out->change, sizeof c->out->change,
             "made agreement=A-%06lld kind=%s owner=%s:%s", (long long)id, kind,
             type, owner);
    return s_one(c, id, 0);
}

/* Whether v (NULL: absent) is one of the words in list. */
static bool s_one_of(const char *v, const char *const *list)
{
    if (!v)
        return true;
    for (size_t i = 0; list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return true;
    return false;
}

static json_t *s_list(cmd_call_t *c)
{
    static const char *const statuses[] = {
        "open", "met", "met_late", "waived", "closed", "all", NULL};
    static const char *const kinds[] = {"progress", "assign", "partner",
                                        "request",  "custom", NULL};
    static const char *const owners[] = {"regisseur", "partner", "kernteam",
                                         "department", NULL};
    if (!s_one_of(cmd_str(c, "status"), statuses))
        return s_bad(c, "status must be open, met, met_late, waived, closed "
                        "or all");
    if (!s_one_of(cmd_str(c, "kind"), kinds))
        return s_bad(c, "kind must be progress, assign, partner, request or "
                        "custom");
    if (!s_one_of(cmd_str(c, "owner_type"), owners))
        return s_bad(c, "owner_type must be regisseur, partner, kernteam or "
                        "department");
    agreeq_filter_t f = {.status = cmd_str(c, "status"),
                         .kind = cmd_str(c, "kind"),
                         .owner_type = cmd_str(c, "owner_type")};
    char owner[64];
    const char *o = cmd_str(c, "owner");
    if (o && f.owner_type && strcmp(f.owner_type, "regisseur") == 0) {
        int64_t id;
        if (!ref_parse(o, "RG", &id))
            return s_bad(c, "owner must be a regisseur like RG-000003");
        snprintf(owner, sizeof owner, "%lld", (long long)id);
        o = owner;
    }
    f.owner = o;
    if (!cmd_ref(c, "case", "C", &f.case_id))
        return NULL;
    json_t *r = agreeq_list(c->env->store, c->env->cfg, &f);
    if (!r)
        problem_store(&c->out->pb);
    return r;
}

static json_t *s_show(cmd_call_t *c)
{
    int64_t id;
    return cmd_ref(c, "agreement", "A", &id) ? s_one(c, id, 1) : NULL;
}

static json_t *s_report(cmd_call_t *c)
{
    int64_t id;
    const char *status = cmd_str(c, "status");
    bool delivered = !status || strcmp(status, "delivered") == 0;
    json_t *count = json_object_get(c->args, "count");
    const char *period = cmd_str(c, "period");
    int64_t from, to;
    if (status && strcmp(status, "delivered") &&
        strcmp(status, "not_delivered"))
        return s_bad(c, "status must be delivered or not_delivered");
    if (!delivered && !s_reason(c))
        return NULL;
    if (count && json_integer_value(count) < 0)
        return s_bad(c, "count must be 0 or more");
    if (period && cal_period(period, &from, &to) < 0)
        return s_bad(c, "period must be like 2026-W47 or 2026-11-20");
    if (!s_open_agreement(c, &id))
        return NULL;
    char actor[80];
    report_in_t r = {.source = cmd_actor(c, actor, sizeof actor),
                     .agreement_id = id,
                     .delivered = delivered,
                     .reason = cmd_str(c, "reason"),
                     .period = period,
                     .count = count ? json_integer_value(count) : -1,
                     .note = cmd_str(c, "note"),
                     .actor = actor};
    json_t *reply;
    if (report_store(c->env->store, c->env->cfg, &r, c->now, &reply) < 0) {
        problem_store(&c->out->pb);
        return NULL;
    }
    snprintf(c->out->change, sizeof c->out->change,
             "report agreement=A-%06lld status=%s", (long long)id,
             delivered ? "delivered" : "not_delivered");
    return reply;
}

static json_t *s_extend(cmd_call_t *c)
{
    int64_t id, until;
    const char *reason = s_reason(c);
    if (!reason)
        return NULL;
    if (cal_parse(cmd_str(c, "until"), &until) < 0)
        return s_bad(c, "until must be like \"2026-12-01 09:00\" (local) or "
                        "RFC 3339");
    if (until <= c->now)
        return s_bad(c, "until must be in the future");
    char actor[80];
    if (!s_open_agreement(c, &id))
        return NULL;
    if (agree_extend(c->env->store, c->env->cfg, id, until, reason,
                     cmd_actor(c, actor, sizeof actor), c->now) < 0) {
        problem_store(&c->out->pb);
        return NULL;
    }
    snprintf(c->out->change, sizeof c->out->change,
             "extended agreement=A-%06lld", (long long)id);
    return s_one(c, id, 0);
}

static json_t *s_waive(cmd_call_t *c)
{
    int64_t id;
    const char *reason = s_reason(c);
    char actor[80];
    if (!reason || !s_open_agreement(c, &id))
        return NULL;
    if (agree_waive(c->env->store, c->env->cfg, id, reason,
                    cmd_actor(c, actor, sizeof actor), c->now) < 0) {
        problem_store(&c->out->pb);
        return NULL;
    }
    snprintf(c->out->change, sizeof c->out->change, "waived agreement=A-%06lld",
             (long long)id);
    return s_one(c, id, 0);
}

static json_t *s_overdue(cmd_call_t *c)
{
    json_t *r = agreeq_overdue(c->env->store, c->env->cfg, c->now);
    if (!r)
        problem_store(&c->out->pb);
    return r;
}

const cmd_t cmdagree_commands[] = {
    {"agreement.make",
     s_make,
     true,
     {{"kind", 's', false},
      {"owner_type", 's', true},
      {"owner", 's', true},
      {"case", 'r', false},
      {"description", 's', true},
      {"due", 's', false},
      {"period_days", 'i', false},
      {"policy", 's', false}}},
    {"agreement.list",
     s_list,
     false,
     {{"status", 's', false},
      {"kind", 's', false},
      {"owner_type", 's', false},
      {"owner", 's', false},
      {"case", 'r', false}}},
    {"agreement.show", s_show, false, {{"agreement", 'r', true}}},
    {"agreement.report",
     s_report,
     true,
     {{"agreement", 'r', true},
      {"status", 's', false},
      {"reason", 's', false},
      {"note", 's', false},
      {"period", 's', false},
      {"count", 'i', false}}},
    {"agreement.extend",
     s_extend,
     true,
     {{"agreement", 'r', true}, {"until", 's', true}, {"reason", 's', true}}},
    {"agreement.waive",
     s_waive,
     true,
     {{"agreement", 'r', true}, {"reason", 's', true}}},
    {"agreement.overdue", s_overdue, false, {{0}}},
};
const size_t cmdagree_commands_n =
    sizeof cmdagree_commands / sizeof *cmdagree_commands;

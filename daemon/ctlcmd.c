/*
 * ctlcmd — the control commands: argument checks, transactions, and one
 * named handler per command. Main thread only.
 */
#include "ctlcmd.h"

#include "ctlagree.h"
#include "ctlmon.h"

#include "agree.h"
#include "audit.h"
#include "bsn.h"
#include "casefile.h"
#include "clock.h"
#include "outbox.h"
#include "pseudo.h"
#include "ref.h"
#include "regisseur.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define S_OUTBOX_LIMIT_DEFAULT 100
#define S_OUTBOX_LIMIT_MAX 1000

typedef ctlcmd_call_t s_call_t;
typedef ctlcmd_arg_t s_arg_t;
typedef ctlcmd_t s_command_t;
#define S_ARGS_MAX CTLCMD_ARGS_MAX

/* ------------------------------------------------------------ arguments */

const char *ctlcmd_str(const ctlcmd_call_t *c, const char *name)
{
    return json_string_value(json_object_get(c->args, name));
}

bool ctlcmd_bool(const ctlcmd_call_t *c, const char *name)
{
    return json_is_true(json_object_get(c->args, name));
}

#define s_str ctlcmd_str
#define s_bool ctlcmd_bool

/* Reads reference argument name (0 when absent) with prefix into *id.
 * Returns false with pb set when it is not one. */
bool ctlcmd_ref(ctlcmd_call_t *c, const char *name, const char *prefix,
                int64_t *id)
{
    json_t *v = json_object_get(c->args, name);
    *id = 0;
    if (!v)
        return true;
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *id = json_integer_value(v);
        return true;
    }
    if (json_is_string(v) && ref_parse(json_string_value(v), prefix, id))
        return true;
    if (!*prefix)
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "%s must be a number, like 17", name);
    else
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "%s must be a reference like %s-000017, or its number",
                    name, prefix);
    return false;
}

#define s_ref ctlcmd_ref

static const char *s_type_name(char type)
{
    return type == 's'   ? "a string"
           : type == 'b' ? "true or false"
           : type == 'i' ? "an integer"
                         : "a reference (a string or a number)";
}

static bool s_type_ok(char type, const json_t *v)
{
    return type == 's'   ? json_is_string(v)
           : type == 'b' ? json_is_boolean(v)
           : type == 'i' ? json_is_integer(v)
                         : json_is_string(v) || json_is_integer(v);
}

/* Checks args against the table: every key known and of its type, every
 * required one present. */
static bool s_args_ok(const s_command_t *cmd, json_t *args, problem_t *pb)
{
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v)
    {
        const s_arg_t *a = cmd->args;
        while (a < cmd->args + S_ARGS_MAX && a->name &&
               strcmp(a->name, key) != 0)
            a++;
        if (a == cmd->args + S_ARGS_MAX || !a->name) {
            problem_set(pb, PROBLEM_BAD_REQUEST, "%s takes no argument '%.40s'",
                        cmd->name, key);
            return false;
        }
        if (!s_type_ok(a->type, v)) {
            problem_set(pb, PROBLEM_BAD_REQUEST, "%s: %s must be %s", cmd->name,
                        a->name, s_type_name(a->type));
            return false;
        }
    }
    for (const s_arg_t *a = cmd->args; a < cmd->args + S_ARGS_MAX; a++)
        if (a->name && a->required && !json_object_get(args, a->name)) {
            problem_set(pb, PROBLEM_BAD_REQUEST,
                        "%s: the argument %s is required", cmd->name, a->name);
            return false;
        }
    return true;
}

/* ------------------------------------------------------------ handlers */

static json_t *s_ping(s_call_t *c)
{
    return json_pack("{s:s, s:o}", "version", REGIE_VERSION, "now",
                     ref_time_json(c->now));
}

static regisseur_fields_t s_fields(const s_call_t *c)
{
    return (regisseur_fields_t){
        .name = s_str(c, "name"),
        .organisation = s_str(c, "organisation"),
        .email = s_str(c, "email"),
        .phone = s_str(c, "phone"),
    };
}

/* Notes the change made to the regisseur in r (a result) for the log. */
static json_t *s_regisseur_change(s_call_t *c, json_t *r, const char *verb)
{
    if (r)
        snprintf(c->out->change, sizeof c->out->change, "%s regisseur=%s", verb,
                 json_string_value(json_object_get(r, "regisseur")));
    return r;
}

static json_t *s_regisseur_add(s_call_t *c)
{
    regisseur_fields_t f = s_fields(c);
    json_t *r = regisseur_add(c->env->store, &f, c->now, &c->out->pb);
    return s_regisseur_change(c, r, "added");
}

static json_t *s_regisseur_update(s_call_t *c)
{
    int64_t id;
    regisseur_fields_t f = s_fields(c);
    if (!s_ref(c, "regisseur", REF_REGISSEUR, &id))
        return NULL;
    json_t *r = regisseur_update(c->env->store, id, &f, &c->out->pb);
    return s_regisseur_change(c, r, "updated");
}

static json_t *s_set_active(s_call_t *c, bool active)
{
    int64_t id;
    if (!s_ref(c, "regisseur", REF_REGISSEUR, &id))
        return NULL;
    json_t *r = regisseur_set_active(c->env->store, id, active, &c->out->pb);
    return s_regisseur_change(c, r, active ? "activated" : "deactivated");
}

static json_t *s_regisseur_deactivate(s_call_t *c)
{
    return s_set_active(c, false);
}

static json_t *s_regisseur_activate(s_call_t *c)
{
    return s_set_active(c, true);
}

static json_t *s_regisseur_list(s_call_t *c)
{
    return regisseur_list(c->env->store, s_bool(c, "all"), &c->out->pb);
}

static json_t *s_regisseur_show(s_call_t *c)
{
    int64_t id;
    if (!s_ref(c, "regisseur", REF_REGISSEUR, &id))
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

static json_t *s_case_list(s_call_t *c)
{
    casefile_filter_t f = {.status = s_str(c, "status"),
                           .unassigned = s_bool(c, "unassigned")};
    if (!s_ref(c, "regisseur", REF_REGISSEUR, &f.regisseur_id))
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

static json_t *s_case_show(s_call_t *c)
{
    int64_t id;
    if (!s_ref(c, "case", REF_CASE, &id))
        return NULL;
    return casefile_show(c->env->store, c->env->cfg, id, &c->out->pb);
}

/* The actor of this command for the audit trail: "user:NAME". */
static const char *s_actor(const s_call_t *c, char *buf, size_t len)
{
    snprintf(buf, len, "user:%s", c->user ? c->user : "?");
    return buf;
}

/* Records a case change in the audit trail, after hook (the agreements
 * the change starts or ends) ran; on failure r is dropped and pb set, so
 * the transaction is rolled back. */
static json_t *s_case_changed(s_call_t *c, json_t *r, int64_t id,
                              const char *action, int hook)
{
    char actor[80];
    json_t *d = json_object();
    json_object_set(d, "previous", json_object_get(r, "previous"));
    int rc = hook < 0 ? -1
                      : audit_add(c->env->store, c->now,
                                  s_actor(c, actor, sizeof actor), action, id,
                                  0, json_string_value(
                                         json_object_get(r, "case")),
                                  d);
    json_decref(d);
    if (rc < 0) {
        json_decref(r);
        problem_store(&c->out->pb);
        return NULL;
    }
    return r;
}

static const char s_sql_assigned_at[] =
    "UPDATE cases SET assigned_at = coalesce(assigned_at, ?2) WHERE id = ?1";

/* The agreements of an assignment, and the first assignment's time. */
static int s_on_assign(s_call_t *c, int64_t id, int64_t rid)
{
    char actor[80];
    sqlite3_stmt *st = store_prepare(c->env->store, s_sql_assigned_at);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, c->now);
    if (store_step(c->env->store, st) != SQLITE_DONE)
        return -1;
    return agree_on_assign(c->env->store, c->env->cfg, c->env->notify, id,
                           rid, c->now, s_actor(c, actor, sizeof actor));
}

static json_t *s_case_assign(s_call_t *c)
{
    int64_t id, rid;
    if (!s_ref(c, "case", REF_CASE, &id) ||
        !s_ref(c, "regisseur", REF_REGISSEUR, &rid))
        return NULL;
    json_t *r = casefile_assign(c->env->store, c->env->notify, id, rid, c->now,
                                &c->out->pb);
    if (r)
        r = s_case_changed(c, r, id, "case.assigned",
                           s_on_assign(c, id, rid));
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

static json_t *s_case_type(s_call_t *c)
{
    int64_t id;
    if (!s_ref(c, "case", REF_CASE, &id))
        return NULL;
    json_t *r =
        casefile_set_type(c->env->store, id, s_str(c, "type"), &c->out->pb);
    if (r)
        r = s_case_changed(c, r, id, "case.typed",
                           agree_on_type(c->env->store, c->env->cfg, id,
                                         s_str(c, "type"), c->now));
    if (r)
        snprintf(c->out->change, sizeof c->out->change,
                 "typed case=%s type=%s previous=%s",
                 json_string_value(json_object_get(r, "case")),
                 json_string_value(json_object_get(r, "type")),
                 json_string_value(json_object_get(r, "previous")));
    return r;
}

static json_t *s_case_close(s_call_t *c)
{
    int64_t id;
    if (!s_ref(c, "case", REF_CASE, &id))
        return NULL;
    json_t *r = casefile_close(c->env->store, id, s_str(c, "reason"), c->now,
                               &c->out->pb);
    char actor[80];
    if (r)
        r = s_case_changed(c, r, id, "case.closed",
                           agree_on_close(c->env->store, id,
                                          s_actor(c, actor, sizeof actor),
                                          c->now, c->env->cfg));
    if (r) /* the reason may speak of the household: not logged */
        snprintf(c->out->change, sizeof c->out->change, "closed case=%s",
                 json_string_value(json_object_get(r, "case")));
    return r;
}

/* Finds the cases of a person by BSN. The BSN is checked, hashed and
 * wiped from the request; it is never logged nor echoed. The lookup
 * itself is logged (who looked, how many cases), as an audit trail. */
static json_t *s_case_lookup(s_call_t *c)
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

static json_t *s_outbox_list(s_call_t *c)
{
    const char *status = s_str(c, "status");
    json_t *lv = json_object_get(c->args, "limit");
    json_int_t limit = lv ? json_integer_value(lv) : S_OUTBOX_LIMIT_DEFAULT;
    if (status && strcmp(status, "pending") && strcmp(status, "sent") &&
        strcmp(status, "failed")) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "status must be pending, sent or failed");
        return NULL;
    }
    if (limit < 1 || limit > S_OUTBOX_LIMIT_MAX) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST, "limit must be 1 to %d",
                    S_OUTBOX_LIMIT_MAX);
        return NULL;
    }
    json_t *r = outbox_list(c->env->store, status, (int)limit);
    if (!r)
        problem_store(&c->out->pb);
    return r;
}

static json_t *s_outbox_retry(s_call_t *c)
{
    int64_t id;
    if (!s_ref(c, "id", "", &id))
        return NULL;
    int rc = outbox_retry(c->env->store, id, c->now);
    if (rc < 0)
        problem_store(&c->out->pb);
    else if (rc == 0)
        problem_set(&c->out->pb, PROBLEM_NOT_FOUND,
                    "there is no failed notification %lld", (long long)id);
    if (rc != 1)
        return NULL;
    snprintf(c->out->change, sizeof c->out->change, "retry notification=%lld",
             (long long)id);
    return json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "pending");
}

/* ------------------------------------------------------------ dispatch */

static const s_command_t s_core[] = {
    {"ping", s_ping, false, {{0}}},
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
    {"outbox.list",
     s_outbox_list,
     false,
     {{"status", 's', false}, {"limit", 'i', false}}},
    {"outbox.retry", s_outbox_retry, true, {{"id", 'r', true}}},
};

/* The command tables: the core here, agreements and monitoring in their
 * own modules. */
static const struct {
    const ctlcmd_t *cmds;
    const size_t *n;
} s_tables[] = {
    {s_core, NULL},
    {ctlagree_commands, &ctlagree_commands_n},
    {ctlmon_commands, &ctlmon_commands_n},
};

static const s_command_t *s_find(const char *name)
{
    for (size_t t = 0; t < sizeof s_tables / sizeof *s_tables; t++) {
        size_t n = s_tables[t].n ? *s_tables[t].n
                                 : sizeof s_core / sizeof *s_core;
        for (size_t i = 0; i < n; i++)
            if (strcmp(s_tables[t].cmds[i].name, name) == 0)
                return &s_tables[t].cmds[i];
    }
    return NULL;
}

/* Refuses an unknown command, naming it only when it looks like one. */
static void s_unknown(const char *name, problem_t *pb)
{
    bool plain = strlen(name) <= 40 &&
                 strspn(name, "abcdefghijklmnopqrstuvwxyz._") == strlen(name);
    problem_set(pb, PROBLEM_BAD_REQUEST,
                "unknown command%s%s%s (see regiectl --help)",
                plain ? " '" : "", plain ? name : "", plain ? "'" : "");
}

int ctlcmd_run(const ctl_env_t *env, const char *command, json_t *args,
               const char *user, ctlcmd_out_t *out)
{
    memset(out, 0, sizeof *out);
    const s_command_t *cmd = s_find(command);
    if (!cmd) {
        s_unknown(command, &out->pb);
        return -1;
    }
    if (!s_args_ok(cmd, args, &out->pb))
        return -1;
    s_call_t c = {env, args, out, clock_now(), user};
    if (cmd->write && store_begin(env->store) < 0) {
        problem_store(&out->pb);
        return -1;
    }
    out->result = cmd->fn(&c);
    if (cmd->write && (!out->result || store_commit(env->store) < 0)) {
        store_rollback(env->store);
        if (out->result)
            problem_store(&out->pb);
        ctlcmd_out_clear(out);
    }
    return out->result ? 0 : -1;
}

void ctlcmd_out_clear(ctlcmd_out_t *out)
{
    json_decref(out->result);
    out->result = NULL;
    out->change[0] = '\0';
}

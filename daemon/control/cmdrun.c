/*
 * cmdrun — runs one control command: finds it in the tables of the
 * command families, checks its arguments against the table, and runs a
 * command that changes something in one write transaction. Main thread
 * only.
 */
#include "cmdrun.h"

#include "store/space.h"

#include "cmdagree.h"
#include "cmdcase.h"
#include "cmdclock.h"
#include "cmdmon.h"
#include "cmdoutbox.h"

#include "clock.h"

#include <stdio.h>
#include <string.h>

typedef cmd_call_t s_call_t;
typedef cmd_arg_t s_arg_t;
typedef cmd_t s_command_t;
#define S_ARGS_MAX CMD_ARGS_MAX

/* ------------------------------------------------------------ arguments */

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

/* ------------------------------------------------------------ dispatch */

/* The command tables, one per family. */
static const struct {
    const cmd_t *cmds;
    const size_t *n;
} s_tables[] = {
    {cmdclock_commands, &cmdclock_commands_n},
    {cmdcase_commands, &cmdcase_commands_n},
    {cmdoutbox_commands, &cmdoutbox_commands_n},
    {cmdagree_commands, &cmdagree_commands_n},
    {cmdmon_commands, &cmdmon_commands_n},
};

static const s_command_t *s_find(const char *name)
{
    for (size_t t = 0; t < sizeof s_tables / sizeof *s_tables; t++) {
        size_t n = *s_tables[t].n;
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

int cmdrun_run(const cmd_env_t *env, const char *command, json_t *args,
               const char *user, cmd_out_t *out)
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
    char why[200];
    space_limits_t lim = {.db_path = env->cfg->database,
                          .min_free_mb = env->cfg->min_free_mb,
                          .max_db_mb = env->cfg->max_database_mb};
    if (cmd->write && !space_ok(&lim, why, sizeof why)) {
        problem_set(&out->pb, PROBLEM_UNAVAILABLE,
                    "regied cannot store right now: %s", why);
        return -1;
    }
    if (cmd->write && store_begin(env->store) < 0) {
        problem_store(&out->pb);
        return -1;
    }
    out->result = cmd->fn(&c);
    if (cmd->write && (!out->result || store_commit(env->store) < 0)) {
        store_rollback(env->store);
        if (out->result)
            problem_store(&out->pb);
        cmdrun_out_clear(out);
    }
    return out->result ? 0 : -1;
}

void cmdrun_out_clear(cmd_out_t *out)
{
    json_decref(out->result);
    out->result = NULL;
    out->change[0] = '\0';
}

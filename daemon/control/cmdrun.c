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
#include "cmdimport.h"
#include "cmdmon.h"
#include "cmdoutbox.h"

#include "clock.h"

#include <stdio.h>
#include <string.h>

typedef cmd_call_t s_call_t;
typedef cmd_t s_command_t;

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
    {cmdimport_commands, &cmdimport_commands_n},
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
    if (!cmd_args_ok(cmd, args, &out->pb))
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

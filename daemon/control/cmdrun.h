/*
 * cmdrun — runs one control command by name (see cmdrun.c): the one
 * entry of the control socket's commands. Main thread only.
 */
#ifndef REGIE_CMDRUN_H
#define REGIE_CMDRUN_H

#include "cmd.h"

#include <jansson.h>

/* Runs command with args (an object; borrowed) on env for user (NULL:
 * unknown). Returns 0 with
 * out->result set, or -1 with out->pb set; nothing was changed then.
 * Never logs a BSN, a note or an argument's text. */
int cmdrun_run(const cmd_env_t *env, const char *command, json_t *args,
               const char *user, cmd_out_t *out);

/* Frees what cmdrun_run left in out. */
void cmdrun_out_clear(cmd_out_t *out);

#endif

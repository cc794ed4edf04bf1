/*
 * ctlcmd — the commands of the control socket: a dispatch table of named
 * handlers, each with the arguments it takes. Checks the arguments, runs
 * a command that changes something in one write transaction (with the
 * notifications it causes) and leaves the domain work to regisseur,
 * casefile and outbox. Knows nothing of sockets (see ctl). Main thread
 * only.
 */
#ifndef REGIE_CTLCMD_H
#define REGIE_CTLCMD_H

#include "ctl.h"
#include "problem.h"

#include <jansson.h>

/* What a command gave. */
typedef struct {
    json_t *result;   /* on success: the reply's result (owned) */
    problem_t pb;     /* on failure: why */
    char change[200]; /* on success: what to log, the change made
                       * ("assigned case=C-000017 ...") or a lookup of a
                       * person ("lookup cases=1", for the audit trail);
                       * "" for other reads */
} ctlcmd_out_t;

/* Runs command with args (an object; borrowed) on env. Returns 0 with
 * out->result set, or -1 with out->pb set; nothing was changed then.
 * Never logs a BSN, a note or an argument's text. */
int ctlcmd_run(const ctl_env_t *env, const char *command, json_t *args,
               ctlcmd_out_t *out);

/* Frees what ctlcmd_run left in out. */
void ctlcmd_out_clear(ctlcmd_out_t *out);

#endif

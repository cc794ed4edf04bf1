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
#include <stdbool.h>
#include <stdint.h>

/* What a command gave. */
typedef struct {
    json_t *result;   /* on success: the reply's result (owned) */
    problem_t pb;     /* on failure: why */
    char change[200]; /* on success: what to log, the change made
                       * ("assigned case=C-000017 ...") or a lookup of a
                       * person ("lookup cases=1", for the audit trail);
                       * "" for other reads */
} ctlcmd_out_t;

#define CTLCMD_ARGS_MAX 8

/* One command being run. */
typedef struct {
    const ctl_env_t *env; /* what it works on */
    json_t *args;         /* its arguments, checked against the table */
    ctlcmd_out_t *out;    /* its outcome: pb and change are set here */
    int64_t now;          /* the daemon's now, once per command */
    const char *user;     /* who asks (regiectl's user), for the audit
                           * trail; NULL when not known */
} ctlcmd_call_t;

/* An argument a command takes. */
typedef struct {
    const char *name;
    char type; /* 's' string, 'b' boolean, 'i' integer, 'r' reference
                * (a string like "C-000017", or a number) */
    bool required;
} ctlcmd_arg_t;

/* A handler returns the result (new reference), or NULL with
 * c->out->pb set; a write handler sets c->out->change. */
typedef json_t *(*ctlcmd_handler_t)(ctlcmd_call_t *c);

/* A command: its name, handler, whether it writes (then it runs in one
 * write transaction), and its arguments. Modules with commands of their
 * own export a table of these (see ctlagree.h, ctlmon.h). */
typedef struct {
    const char *name;
    ctlcmd_handler_t fn;
    bool write;
    ctlcmd_arg_t args[CTLCMD_ARGS_MAX];
} ctlcmd_t;

/* Argument readers for handlers: the string (borrowed from args) or
 * NULL; the boolean (false when absent); a reference with prefix ("C")
 * or a number into *id (0 when absent), false with pb set when it is
 * neither. */
const char *ctlcmd_str(const ctlcmd_call_t *c, const char *name);
bool ctlcmd_bool(const ctlcmd_call_t *c, const char *name);
bool ctlcmd_ref(ctlcmd_call_t *c, const char *name, const char *prefix,
                int64_t *id);

/* Runs command with args (an object; borrowed) on env for user (NULL:
 * unknown). Returns 0 with
 * out->result set, or -1 with out->pb set; nothing was changed then.
 * Never logs a BSN, a note or an argument's text. */
int ctlcmd_run(const ctl_env_t *env, const char *command, json_t *args,
               const char *user, ctlcmd_out_t *out);

/* Frees what ctlcmd_run left in out. */
void ctlcmd_out_clear(ctlcmd_out_t *out);

#endif

/*
 * cmd — what a control command is: its table entry (name, handler,
 * whether it writes, the arguments it takes), the call a handler gets
 * (what it works on, its arguments, its outcome) and the readers of
 * arguments. Each family of commands (cmdcase, cmdagree, ...) exports a
 * table of cmd_t; cmdrun runs them; ctl serves them on the socket.
 * Knows nothing of sockets. Main thread only.
 */
#ifndef REGIE_CMD_H
#define REGIE_CMD_H

#include "config/cfg.h"
#include "mail/notify.h"
#include "mon/mon.h"
#include "problem.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the commands work on; every pointer borrowed. notify may be NULL
 * (no notifications are made then); mon may be NULL (the monitoring
 * commands that need it, backup, answer unavailable then). */
typedef struct {
    const cfg_t *cfg;
    store_t *store;
    notify_t *notify;
    mon_t *mon;
} cmd_env_t;

/* What a command gave. */
typedef struct {
    json_t *result;   /* on success: the reply's result (owned) */
    problem_t pb;     /* on failure: why */
    char change[200]; /* on success: what to log, the change made
                       * ("assigned case=C-000017 ...") or a lookup of a
                       * person ("lookup cases=1", for the audit trail);
                       * "" for other reads */
} cmd_out_t;

#define CMD_ARGS_MAX 8

/* One command being run. */
typedef struct {
    const cmd_env_t *env; /* what it works on */
    json_t *args;         /* its arguments, checked against the table */
    cmd_out_t *out;       /* its outcome: pb and change are set here */
    int64_t now;          /* the daemon's now, once per command */
    const char *user;     /* who asks (regiectl's user), for the audit
                           * trail; NULL when not known */
} cmd_call_t;

/* An argument a command takes. */
typedef struct {
    const char *name;
    char type; /* 's' string, 'b' boolean, 'i' integer, 'r' reference
                * (a string like "C-000017", or a number), 'a' array,
                * 'o' object */
    bool required;
} cmd_arg_t;

/* A handler returns the result (new reference), or NULL with
 * c->out->pb set; a write handler sets c->out->change. */
typedef json_t *(*cmd_handler_t)(cmd_call_t *c);

/* A command: its name, handler, whether it writes (then it runs in one
 * write transaction), and its arguments. Modules with commands of their
 * own export a table of these (see cmdagree.h, cmdmon.h). */
typedef struct {
    const char *name;
    cmd_handler_t fn;
    bool write;
    cmd_arg_t args[CMD_ARGS_MAX];
} cmd_t;

/* Checks args (an object) against cmd's table: every key known and of
 * its type, every required one present. Returns false with pb set
 * (bad_request) naming the first that is not. */
bool cmd_args_ok(const cmd_t *cmd, json_t *args, problem_t *pb);

/* Argument readers for handlers: the string (borrowed from args) or
 * NULL; the boolean (false when absent); a reference with prefix ("C")
 * or a number into *id (0 when absent), false with pb set when it is
 * neither. */
const char *cmd_str(const cmd_call_t *c, const char *name);
bool cmd_bool(const cmd_call_t *c, const char *name);
bool cmd_ref(cmd_call_t *c, const char *name, const char *prefix, int64_t *id);

/* The actor of call c in the audit trail, "user:NAME", written in buf
 * (len bytes); returns buf. */
const char *cmd_actor(const cmd_call_t *c, char *buf, size_t len);

#endif

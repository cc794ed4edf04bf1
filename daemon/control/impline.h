/*
 * impline — one line of an import being run (see cmdimport.c): the
 * batch it belongs to (the import command, what the commands a line
 * runs work on, the counts of what was done), and running one of the
 * ordinary commands (case.assign, case.type, agreement.make) as part of
 * a line, so that a line makes exactly the rows and events that command
 * makes, and is refused with its messages. Main thread only, in the
 * import command's write transaction.
 */
#ifndef REGIE_IMPLINE_H
#define REGIE_IMPLINE_H

#include "cmd.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A batch of lines: one import command. */
typedef struct {
    cmd_call_t *c;              /* the import command */
    cmd_env_t env;              /* what the commands a line runs work on: c's,
                                 * with notify NULL unless the import notifies */
    const cmd_t *make;          /* agreement.make */
    const cmd_t *assign, *type; /* case.assign, case.type */
    int opened, referenced, joined, typed, assigned; /* cases */
    int made, present;                               /* agreements */
} impline_batch_t;

/* A line of the batch. */
typedef struct {
    impline_batch_t *b;
    int64_t line;    /* its number in the file, from regiectl */
    problem_t pb;    /* why the line is refused; code 0 while it is not */
    int64_t case_id; /* the line's case; 0: none (yet) */
    bool opened;     /* the line opened that case */
} impline_t;

/* Finds the commands of b in the tables of cmdcase and cmdagree and sets
 * up its env from c; notify: the commands make their notifications. */
void impline_batch_init(impline_batch_t *b, cmd_call_t *c, bool notify);

/* Runs cmd for line l with args (borrowed), its arguments checked as
 * cmdrun checks them, in the import's transaction. Returns its result
 * (new reference), or NULL with l->pb set. */
json_t *impline_run(impline_t *l, const cmd_t *cmd, json_t *args);

/* Refuses line l: sets l->pb (bad_request unless code says otherwise)
 * with a printf-style message; returns false. */
bool impline_refuse(impline_t *l, problem_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The actor of the import in the audit trail ("user:NAME") in buf. */
const char *impline_actor(const impline_t *l, char *buf, size_t len);

#endif

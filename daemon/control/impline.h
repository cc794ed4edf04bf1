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
#include "pseudo.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* What a line asked of its case, and the case. */
typedef struct {
    bool set;
    int64_t case_id;
    char ref[80], regisseur[256], type[16]; /* "" when not given */
    bool person;                            /* p is its pseudonym */
    unsigned char p[PSEUDO_LEN];
} impline_last_t;

/* What the lines of a batch did. */
typedef struct {
    int opened, referenced, joined, typed, assigned; /* cases */
    int made, present;                               /* agreements */
} impline_counts_t;

/* A batch of lines: one import command. */
typedef struct {
    cmd_call_t *c;              /* the import command */
    cmd_env_t env;              /* what the commands a line runs work on: c's,
                                 * with notify NULL unless the import notifies */
    const cmd_t *make;          /* agreement.make */
    const cmd_t *assign, *type; /* case.assign, case.type */
    impline_counts_t n;         /* what the lines did */
    struct {
        char email[256]; /* "" when none */
        int64_t id;
    } by_email;          /* the last regisseur found by email */
    impline_last_t last; /* the case of the last line, while that line
                          * stands: a line asking no more of the same
                          * case has nothing to do */
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

/* Wipes what b remembers of the lines (a pseudonym). */
void impline_batch_clear(impline_batch_t *b);

/* The active regisseur with this email into *id (regisseur_by_email,
 * the last one found remembered). Returns true, or false with l->pb set
 * (not_found, or unavailable). */
bool impline_regisseur(impline_t *l, const char *email, int64_t *id);

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

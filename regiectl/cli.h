/*
 * cli — what regiectl's commands share: options, the request to regied
 * over the control socket with its error handling and exit statuses, and
 * printing a result as a table or as JSON. Each area of commands (core,
 * agreements, monitoring) is a table of cli_cmd_t.
 */
#ifndef REGIE_CLI_H
#define REGIE_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLI_EX_REFUSED 1 /* not_found, conflict; lookup found nothing */
#define CLI_TIMEOUT_S 5
#define CLI_BSN_MAX 64 /* bytes read for a BSN, with the NUL */
#define CLI_OPTS_MAX 8 /* options of one command */

/* How this run talks to regied. */
typedef struct {
    const char *path; /* the control socket file */
    bool json;        /* print result JSON instead of tables */
    int timeout_ms;   /* how long to wait for a reply */
    bool utc;         /* show times in UTC, not in regied's zone */
} cli_opts_t;

typedef int (*cli_run_t)(cli_opts_t *o, int argc, char **argv);

/* A command: its words on the command line, what runs it, and its help. */
typedef struct {
    const char *words; /* "case assign" */
    cli_run_t run;
    const char *usage; /* arguments after the words */
    const char *help;  /* what it does; its options */
} cli_cmd_t;

/* An option of a command: a flag, or one that takes a value. */
typedef struct {
    const char *name;
    const char **value; /* where the value goes; NULL for a flag */
    bool *flag;
} cli_opt_t;

/* A table of commands of one area. */
typedef struct {
    const cli_cmd_t *cmds;
    size_t n;
} cli_table_t;

/* The command being run (for its --help and usage errors). */
extern const cli_cmd_t *cli_current;

/* Prints one command's usage and help. */
void cli_help_cmd(FILE *out, const cli_cmd_t *c);

/* Prints "regiectl: MESSAGE" and the usage of the command being run;
 * returns EX_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses the options in opts (and --json, --help) and exactly npos
 * arguments into pos. Returns 0, or EX_USAGE after a message; --help
 * prints the command's help and exits. */
int cli_args(cli_opts_t *o, int argc, char **argv, const cli_opt_t *opts,
             const char **pos, int npos);

/* The name of the user running regiectl, for the audit trail. */
const char *cli_user(void);

/* Sends a request's text as it is (a caller that must wipe it after);
 * returns as cli_call. */
int cli_send(cli_opts_t *o, const char *text, json_t **result);

/* Sends command with args (taken) to regied; on success sets *result (a
 * new reference) and returns 0, else prints why and returns the exit
 * status. */
int cli_call(cli_opts_t *o, const char *command, json_t *args, json_t **result);

/* Prints result as JSON (--json) or with view; returns 0. Frees it. */
int cli_print(const cli_opts_t *o, json_t *result,
              void (*view)(FILE *, const json_t *));

/* Runs a command whose result is shown with view. */
int cli_show(cli_opts_t *o, const char *command, json_t *args,
             void (*view)(FILE *, const json_t *));

/* Adds a string member when v is set. */
void cli_put(json_t *args, const char *key, const char *v);

#endif

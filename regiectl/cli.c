/*
 * cli — regiectl's shared command machinery (see cli.h).
 */
#include "cli.h"

#include "client.h"
#include "xmem.h"

#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

const cli_cmd_t *cli_current;

void cli_help_cmd(FILE *out, const cli_cmd_t *c)
{
    fprintf(out, "  regiectl %s%s%s\n%s\n", c->words, *c->usage ? " " : "",
            c->usage, c->help);
}

/* Prints "regiectl: MESSAGE", the one-line usage of the command being
 * run and where its help is; returns EX_USAGE. */
int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "regiectl: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cli_current)
        fprintf(stderr, "\nUsage: regiectl %s%s%s\nSee regiectl %s --help.\n",
                cli_current->words, *cli_current->usage ? " " : "",
                cli_current->usage, cli_current->words);
    else
        fprintf(stderr, "\nUsage: regiectl [-s SOCKET] [-t SECONDS] [--json] "
                        "[--utc] COMMAND [ARGUMENTS]\n"
                        "See regiectl --help.\n");
    return EX_USAGE;
}

/* The usage error of option word arg: its value missing, or unknown. */
static int s_bad_option(const char *arg, bool missing)
{
    char name[64]; /* up to a "=": the value may be a secret */
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    return cli_usage_error(missing ? "%s needs a value"
                                   : "%s: unknown option, or a value "
                                     "where none is taken",
                           name);
}

/* Parses the options in opts (and --json, --help) and exactly npos
 * arguments into pos. Returns 0, or EX_USAGE after a message; --help
 * prints the command's help and exits. */
int cli_args(cli_opts_t *o, int argc, char **argv, const cli_opt_t *opts,
             const char **pos, int npos)
{
    struct option lo[CLI_OPTS_MAX + 3] = {{0}};
    int n = 0;
    for (; opts && opts[n].name; n++)
        lo[n] = (struct option){opts[n].name,
                                opts[n].value ? required_argument : no_argument,
                                NULL, 256 + n};
    lo[n] = (struct option){"json", no_argument, NULL, 'j'};
    lo[n + 1] = (struct option){"help", no_argument, NULL, 'h'};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":jh", lo, NULL)) != -1) {
        if (c == 'j') {
            o->json = true;
        } else if (c == 'h') {
            cli_help_cmd(stdout, cli_current);
            exit(0);
        } else if (c >= 256 && opts[c - 256].value) {
            *opts[c - 256].value = optarg;
        } else if (c >= 256) {
            *opts[c - 256].flag = true;
        } else {
            return s_bad_option(argv[optind - 1], c == ':');
        }
    }
    if (argc - optind != npos)
        return cli_usage_error("%s: %s arguments", cli_current->words,
                               argc - optind > npos ? "too many" : "missing");
    for (int i = 0; i < npos; i++)
        pos[i] = argv[optind + i];
    return 0;
}

/* ------------------------------------------------------------ requests */

const char *cli_user(void)
{
    static char name[64];
    struct passwd *pw = getpwuid(getuid());
    if (pw)
        snprintf(name, sizeof name, "%s", pw->pw_name);
    else
        snprintf(name, sizeof name, "uid%u", (unsigned)getuid());
    return name;
}

/* The exit status of an error reply. */
static int s_status_of(const char *error)
{
    if (strcmp(error, "bad_request") == 0)
        return EX_DATAERR;
    if (strcmp(error, "unavailable") == 0)
        return EX_TEMPFAIL;
    if (strcmp(error, "not_found") == 0 || strcmp(error, "conflict") == 0)
        return CLI_EX_REFUSED;
    return EX_PROTOCOL;
}

/* Shows times from here on in regied's zone (a name like
 * "Europe/Amsterdam"), or in UTC with --utc, whatever the shell's TZ. */
static void s_zone(const cli_opts_t *o, const char *zone)
{
    if (o->utc)
        setenv("TZ", "UTC0", 1);
    else if (zone && *zone && zone[0] != '/' && !strstr(zone, "..") &&
             strlen(zone) < 64)
        setenv("TZ", zone, 1);
    tzset();
}

/* Sends a request's text; on success sets *result (new reference) and
 * returns 0, else prints why and returns the exit status. */
int cli_send(cli_opts_t *o, const char *text, json_t **result)
{
    json_t *reply;
    char why[256];
    *result = NULL;
    client_status_t st = client_call(o->path, text, strlen(text), o->timeout_ms,
                                     &reply, why, sizeof why);
    if (st == CLIENT_UNREACHABLE || st == CLIENT_NO_ANSWER) {
        fprintf(stderr,
                "regiectl: regied is not running or not reachable "
                "at %s: %s%s\n",
                o->path, why,
                st == CLIENT_NO_ANSWER
                    ? " (a change asked for may or may not have been made)"
                    : "");
        return EX_UNAVAILABLE;
    }
    if (st != CLIENT_OK) {
        fprintf(stderr, "regiectl: %s at %s\n", why, o->path);
        return EX_PROTOCOL;
    }
    if (json_is_true(json_object_get(reply, "ok"))) {
        s_zone(o, json_string_value(json_object_get(reply, "timezone")));
        *result = json_incref(json_object_get(reply, "result"));
        json_decref(reply);
        return 0;
    }
    const char *msg = json_string_value(json_object_get(reply, "message"));
    int rc = s_status_of(json_string_value(json_object_get(reply, "error")));
    char *safe = xstrdup(msg);
    for (char *p = safe; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "regiectl: %s\n", safe);
    free(safe);
    json_decref(reply);
    return rc;
}

/* Sends command with args (taken) and returns as cli_send does. */
int cli_call(cli_opts_t *o, const char *command, json_t *args, json_t **result)
{
    json_t *req = json_pack("{s:s, s:o, s:s}", "command", command, "args", args,
                            "user", cli_user());
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    int rc = cli_send(o, text, result);
    free(text);
    return rc;
}

/* Prints result as JSON (--json) or with view; returns 0. Frees it. */
int cli_print(const cli_opts_t *o, json_t *result,
              void (*view)(FILE *, const json_t *))
{
    if (o->json) {
        char *s = json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY);
        printf("%s\n", s);
        free(s);
    } else {
        view(stdout, result);
    }
    json_decref(result);
    return 0;
}

/* Runs a command whose result is shown with view. */
int cli_show(cli_opts_t *o, const char *command, json_t *args,
             void (*view)(FILE *, const json_t *))
{
    json_t *r;
    int rc = cli_call(o, command, args, &r);
    return rc ? rc : cli_print(o, r, view);
}

/* Adds a string member when v is set. */
void cli_put(json_t *args, const char *key, const char *v)
{
    if (v)
        json_object_set_new(args, key, json_string(v));
}

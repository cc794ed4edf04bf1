/*
 * regiectl — the command line of regie for the Kernteam, the gemeente and
 * operators. Talks to regied over its local control socket (client.h);
 * human tables by default, --json for scripts. This file holds main: the
 * options before the command, the help, and finding the command in the
 * tables of its families (rccore, rcagree, rcmon).
 */
#include "cli.h"
#include "client.h"
#include "rcagree.h"
#include "rccore.h"
#include "rcimport.h"
#include "rcmon.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define S_STR(x) S_STR_(x)
#define S_STR_(x) #x

/* The help text is laid out by hand: before the commands, then after. */
/* clang-format off */
static const char s_usage_head[] =
"Usage: regiectl [-s SOCKET] [-t SECONDS] [--json] [--utc] COMMAND [ARGUMENTS]\n"
"\n"
"regiectl is the command line of regie for the Kernteam, the gemeente and\n"
"operators: the social map of regisseurs, the cases (one household's plan\n"
"each) with their referrals, and the outbox of notifications. It talks to\n"
"the running regied over its local control socket; who may use regiectl\n"
"is decided by that socket's file permissions.\n"
"\n"
"Options (-j and -h may also follow the command):\n"
"  -s, --socket SOCKET   the control socket (default: $REGIE_CONTROL, else\n"
"                        " CLIENT_DEFAULT_PATH "); \"ipc://PATH\" or PATH\n"
"  -t, --timeout SECONDS how long to wait for regied (default "
                                                   S_STR(CLI_TIMEOUT_S) ")\n"
"  -j, --json            print the result as JSON, for scripts\n"
"  -u, --utc             show times in UTC instead of regied's time zone\n"
"  -h, --help            this help; regiectl COMMAND --help: one command's\n"
"  -V, --version         print the version\n"
"\n"
"Commands:\n";

static const char s_usage_tail[] =
"\n"
"References: cases C-000017 (or 17), regisseurs RG-000003 (or 3),\n"
"referrals R-000042; notifications by number.\n"
"\n"
"Output: aligned tables, times in regied's time zone (the timezone of its\n"
"configuration, as in its emails; --utc for UTC), like \"2026-11-22 09:00\".\n"
"With --json the result is printed as regied gives it, times in RFC 3339\n"
"UTC; errors still go to standard error as \"regiectl: MESSAGE\".\n"
"\n"
"Exit status:\n"
"   0  done\n"
"   1  refused: no such case, regisseur or notification (not_found), or\n"
"      the record's state forbids it, e.g. an inactive regisseur or a\n"
"      closed case (conflict); lookup: no case holds the person\n"
"  64  usage error: unknown command or option, missing argument\n"
"  65  regied found an argument invalid (bad_request), e.g. a BSN that\n"
"      fails the elfproef, an email that is not an address\n""      (import: a line of the file is wrong; each is shown)\n"
"  66  import: the file cannot be read\n"
"  69  regied is not running or not reachable at the socket, or did not\n"
"      answer in time\n"
"  75  regied could not use its database (unavailable): nothing was\n"
"      changed; try again\n"
"  76  regied's reply was not understood\n"
"\n"
"Environment: REGIE_CONTROL (the socket), TZ (the zone of times shown).\n"
"\n"
"Examples:\n"
"  regiectl regisseur add --name 'Anna de Boer' --organisation \\\n"
"      'Sociaal Team Wageningen' --email a.deboer@example.nl\n"
"  regiectl cases --unassigned\n"
"  regiectl case assign C-000017 RG-000003\n"
"  regiectl case type 17 intensive\n"
"  regiectl case close C-000017 --reason 'plan completed'\n"
"  regiectl lookup --bsn              (type the BSN; it is not shown)\n"
"  regiectl import --check caseload.csv; regiectl import caseload.csv\n"
"  regiectl --json cases --status all | jq '.[].case'\n"
"  regiectl outbox --status failed; regiectl outbox retry 12\n";
/* clang-format on */

static int s_help(cli_opts_t *o, int argc, char **argv);

static const cli_cmd_t s_help_cmds[] = {
    {"help", s_help, "[COMMAND]",
     "      This help, or the help of one command.\n"},
};
static const cli_table_t s_help_table = {s_help_cmds, 1};

/* Every family's commands, in the order --help shows them; the first
 * command whose words match is run. */
static const cli_table_t *const s_tables[] = {
    &rccore_table,
    &s_help_table,
    &rcagree_table,
    &rcmon_table,
    &rcimport_table,
};

/* The k-th command of all the tables, or NULL past the last. */
static const cli_cmd_t *s_nth(size_t k)
{
    for (size_t t = 0; t < sizeof s_tables / sizeof *s_tables; t++) {
        if (k < s_tables[t]->n)
            return &s_tables[t]->cmds[k];
        k -= s_tables[t]->n;
    }
    return NULL;
}

/* The number of c's words that start argv, or 0 when they do not. */
static int s_match(const cli_cmd_t *c, int argc, char **argv)
{
    char words[64];
    snprintf(words, sizeof words, "%s", c->words);
    int n = 0;
    bool match = true;
    for (char *w = strtok(words, " "); w && match; w = strtok(NULL, " "))
        match = n < argc && strcmp(argv[n++], w) == 0;
    return match ? n : 0;
}

/* The command whose words start argv; sets *used to their number. */
static const cli_cmd_t *s_find(int argc, char **argv, int *used)
{
    const cli_cmd_t *c;
    for (size_t k = 0; (c = s_nth(k)); k++)
        if ((*used = s_match(c, argc, argv)) > 0)
            return c;
    return NULL;
}

static void s_usage(FILE *out)
{
    const cli_cmd_t *c;
    fputs(s_usage_head, out);
    for (size_t k = 0; (c = s_nth(k)); k++)
        cli_help_cmd(out, c);
    fputs(s_usage_tail, out);
}

/* help [COMMAND]: the help of every command whose first word is the
 * given one (and, with more words, of the one they name). */
static int s_help(cli_opts_t *o, int argc, char **argv)
{
    int used, shown = 0;
    const cli_cmd_t *c;
    if (argc < 2) {
        s_usage(stdout);
        return 0;
    }
    size_t n = strlen(argv[1]);
    for (size_t k = 0; (c = s_nth(k)); k++)
        if (strncmp(c->words, argv[1], n) == 0 &&
            (c->words[n] == ' ' || !c->words[n]) &&
            (argc < 3 || s_find(argc - 1, argv + 1, &used) == c)) {
            cli_help_cmd(stdout, c);
            shown++;
        }
    if (!shown)
        return cli_usage_error("help: no command %s", argv[1]);
    return 0;
}

/* Reads the value of --timeout into o. Returns -1, or the exit status
 * of a usage error. */
static int s_timeout(cli_opts_t *o, const char *text)
{
    char *end;
    long t = strtol(text, &end, 10);
    if (*end || end == text || t < 1 || t > 3600)
        return cli_usage_error("--timeout %s: give 1 to 3600 seconds", text);
    o->timeout_ms = (int)t * 1000;
    return -1;
}

/* Handles option c (its value in optarg, its word arg) into o. Returns
 * -1 to go on, or the exit status to exit with now. */
static int s_option(cli_opts_t *o, int c, const char *arg)
{
    switch (c) {
    case 's':
        o->path = client_path(optarg);
        return -1;
    case 'j':
        o->json = true;
        return -1;
    case 'u':
        o->utc = true;
        return -1;
    case 't':
        return s_timeout(o, optarg);
    case 'h':
        s_usage(stdout);
        return 0;
    case 'V':
        printf("regiectl %s\n", REGIE_VERSION);
        return 0;
    default:
        return cli_usage_error("%s: unknown option, or its value missing", arg);
    }
}

/* Reads the options before the command. Returns the index of the
 * command, or -1 with *rc set (exit now). */
static int s_global(cli_opts_t *o, int argc, char **argv, int *rc)
{
    static const struct option lo[] = {
        {"socket", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"utc", no_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+s:t:juhV", lo, NULL)) != -1)
        if ((*rc = s_option(o, c, argv[optind - 1])) >= 0)
            return -1;
    return optind;
}

int main(int argc, char **argv)
{
    const char *env = getenv("REGIE_CONTROL");
    cli_opts_t o = {
        .path = client_path(env && *env ? env : CLIENT_DEFAULT_PATH),
        .timeout_ms = CLI_TIMEOUT_S * 1000,
    };
    int rc = 0, used = 0;
    int first = s_global(&o, argc, argv, &rc);
    if (first < 0)
        return rc;
    if (first == argc)
        return cli_usage_error("a command is missing");
    cli_current = s_find(argc - first, argv + first, &used);
    if (!cli_current)
        return cli_usage_error("unknown command '%s'", argv[first]);
    /* The command's last word stands in for argv[0] of its options. */
    return cli_current->run(&o, argc - first - used + 1,
                            argv + first + used - 1);
}

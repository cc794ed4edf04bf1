/*
 * rccore — regiectl's core commands (see cli.h): the social map of
 * regisseurs (add, update, deactivate, activate, show, list), cases
 * (list, show, assign, type, close), lookup of a person's cases by BSN,
 * the outbox (list, retry) and ping. Each builds one control request
 * (of the daemon's cmdcase, cmdoutbox or cmdclock) and shows the reply
 * with viewcore.
 */
#include "rccore.h"

#include "jwipe.h"
#include "prompt.h"
#include "table.h"
#include "viewcore.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ regisseurs */

static void s_view_regisseurs(FILE *out, const json_t *r)
{
    viewcore_regisseurs(out, r, false);
}

static void s_view_all_regisseurs(FILE *out, const json_t *r)
{
    viewcore_regisseurs(out, r, true);
}

static int s_regisseur_add(cli_opts_t *o, int argc, char **argv)
{
    const char *name = NULL, *org = NULL, *email = NULL, *phone = NULL;
    const cli_opt_t opts[] = {
        {"name", &name, NULL},        {"organisation", &org, NULL},
        {"organization", &org, NULL}, {"email", &email, NULL},
        {"phone", &phone, NULL},      {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    if (!name || !org || !email)
        return cli_usage_error("regisseur add: %s is required",
                               !name  ? "--name"
                               : !org ? "--organisation"
                                      : "--email");
    json_t *args = json_pack("{s:s, s:s, s:s}", "name", name, "organisation",
                             org, "email", email);
    cli_put(args, "phone", phone);
    return cli_show(o, "regisseur.add", args, viewcore_regisseur);
}

static int s_regisseur_update(cli_opts_t *o, int argc, char **argv)
{
    const char *name = NULL, *org = NULL, *email = NULL, *phone = NULL;
    const char *reg;
    const cli_opt_t opts[] = {
        {"name", &name, NULL},        {"organisation", &org, NULL},
        {"organization", &org, NULL}, {"email", &email, NULL},
        {"phone", &phone, NULL},      {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &reg, 1);
    if (rc)
        return rc;
    if (!name && !org && !email && !phone)
        return cli_usage_error("%s: give at least one of --name, "
                               "--organisation, --email, --phone",
                               "regisseur update");
    json_t *args = json_pack("{s:s}", "regisseur", reg);
    cli_put(args, "name", name);
    cli_put(args, "organisation", org);
    cli_put(args, "email", email);
    cli_put(args, "phone", phone);
    return cli_show(o, "regisseur.update", args, viewcore_regisseur);
}

/* regisseur deactivate / activate / show: one argument, RG. */
static int s_regisseur_one(cli_opts_t *o, int argc, char **argv,
                           const char *command)
{
    const char *reg;
    int rc = cli_args(o, argc, argv, NULL, &reg, 1);
    if (rc)
        return rc;
    return cli_show(o, command, json_pack("{s:s}", "regisseur", reg),
                    viewcore_regisseur);
}

static int s_regisseur_deactivate(cli_opts_t *o, int argc, char **argv)
{
    return s_regisseur_one(o, argc, argv, "regisseur.deactivate");
}

static int s_regisseur_activate(cli_opts_t *o, int argc, char **argv)
{
    return s_regisseur_one(o, argc, argv, "regisseur.activate");
}

static int s_regisseur_show(cli_opts_t *o, int argc, char **argv)
{
    return s_regisseur_one(o, argc, argv, "regisseur.show");
}

static int s_regisseur_list(cli_opts_t *o, int argc, char **argv)
{
    bool all = false;
    const cli_opt_t opts[] = {{"all", NULL, &all}, {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    return cli_show(o, "regisseur.list", json_pack("{s:b}", "all", all),
                    all ? s_view_all_regisseurs : s_view_regisseurs);
}

/* ------------------------------------------------------------ cases */

static int s_case_list(cli_opts_t *o, int argc, char **argv)
{
    const char *status = NULL, *reg = NULL;
    bool unassigned = false;
    const cli_opt_t opts[] = {{"status", &status, NULL},
                              {"regisseur", &reg, NULL},
                              {"unassigned", NULL, &unassigned},
                              {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    json_t *args = json_object();
    cli_put(args, "status", status);
    cli_put(args, "regisseur", reg);
    if (unassigned)
        json_object_set_new(args, "unassigned", json_true());
    return cli_show(o, "case.list", args, viewcore_cases);
}

static int s_case_show(cli_opts_t *o, int argc, char **argv)
{
    const char *kase;
    int rc = cli_args(o, argc, argv, NULL, &kase, 1);
    if (rc)
        return rc;
    return cli_show(o, "case.show", json_pack("{s:s}", "case", kase),
                    viewcore_case);
}

static void s_view_assigned(FILE *out, const json_t *c)
{
    const char *prev = json_string_value(json_object_get(c, "previous"));
    fprintf(out, "Case %s is now held by %s (%s)",
            json_string_value(json_object_get(c, "case")),
            json_string_value(json_object_get(c, "regisseur_name")),
            json_string_value(json_object_get(c, "regisseur")));
    if (prev)
        fprintf(out, "; it was held by %s", prev);
    fprintf(out, ".\n");
}

static int s_case_assign(cli_opts_t *o, int argc, char **argv)
{
    const char *pos[2];
    int rc = cli_args(o, argc, argv, NULL, pos, 2);
    if (rc)
        return rc;
    return cli_show(
        o, "case.assign",
        json_pack("{s:s, s:s}", "case", pos[0], "regisseur", pos[1]),
        s_view_assigned);
}

static void s_view_typed(FILE *out, const json_t *c)
{
    fprintf(out, "Case %s is now %s (it was %s).\n",
            json_string_value(json_object_get(c, "case")),
            json_string_value(json_object_get(c, "type")),
            json_string_value(json_object_get(c, "previous")));
}

static int s_case_type(cli_opts_t *o, int argc, char **argv)
{
    const char *pos[2];
    int rc = cli_args(o, argc, argv, NULL, pos, 2);
    if (rc)
        return rc;
    return cli_show(o, "case.type",
                    json_pack("{s:s, s:s}", "case", pos[0], "type", pos[1]),
                    s_view_typed);
}

static void s_view_closed(FILE *out, const json_t *c)
{
    fprintf(out, "Case %s is closed.\n",
            json_string_value(json_object_get(c, "case")));
}

static int s_case_close(cli_opts_t *o, int argc, char **argv)
{
    const char *kase, *reason = NULL;
    const cli_opt_t opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &kase, 1);
    if (rc)
        return rc;
    if (!reason)
        return cli_usage_error("%s: --reason is required", "case close");
    return cli_show(o, "case.close",
                    json_pack("{s:s, s:s}", "case", kase, "reason", reason),
                    s_view_closed);
}

/* ------------------------------------------------------------ lookup */

static int s_lookup(cli_opts_t *o, int argc, char **argv)
{
    bool bsn_flag = false;
    const cli_opt_t opts[] = {{"bsn", NULL, &bsn_flag}, {NULL, NULL, NULL}};
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' || strchr(argv[i], '='))
            return cli_usage_error("%s: the BSN is read from the terminal or "
                                   "standard input, never from the command "
                                   "line",
                                   "lookup");
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    if (!bsn_flag)
        return cli_usage_error("%s: say what to look up by: --bsn", "lookup");
    char bsn[CLI_BSN_MAX];
    if (prompt_secret("BSN (not shown): ", bsn, sizeof bsn) < 0)
        return cli_usage_error("%s: no BSN was given", "lookup");
    json_t *req = json_pack("{s:s, s:{s:s}, s:s}", "command", "case.lookup",
                            "args", "bsn", bsn, "user", cli_user());
    sodium_memzero(bsn, sizeof bsn);
    char *text = json_dumps(req, JSON_COMPACT);
    jwipe(req);
    json_decref(req);
    json_t *r;
    rc = cli_send(o, text, &r);
    sodium_memzero(text, strlen(text));
    free(text);
    if (rc)
        return rc;
    bool none = json_array_size(r) == 0;
    if (none && !o->json) {
        json_decref(r);
        printf("No case holds this person.\n");
        return CLI_EX_REFUSED;
    }
    cli_print(o, r, viewcore_cases);
    return none ? CLI_EX_REFUSED : 0;
}

/* ------------------------------------------------------------ outbox */

static int s_outbox_list(cli_opts_t *o, int argc, char **argv)
{
    const char *status = NULL, *limit = NULL;
    const cli_opt_t opts[] = {
        {"status", &status, NULL}, {"limit", &limit, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    json_t *args = json_object();
    cli_put(args, "status", status);
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || end == limit || n < 1 || n > 100000) {
            json_decref(args);
            return cli_usage_error("--limit %s: give a number of rows", limit);
        }
        json_object_set_new(args, "limit", json_integer(n));
    }
    return cli_show(o, "outbox.list", args, viewcore_outbox);
}

static void s_view_retry(FILE *out, const json_t *r)
{
    fprintf(out,
            "Notification %lld is pending again and will be sent "
            "soon.\n",
            (long long)json_integer_value(json_object_get(r, "id")));
}

static int s_outbox_retry(cli_opts_t *o, int argc, char **argv)
{
    const char *id;
    int rc = cli_args(o, argc, argv, NULL, &id, 1);
    if (rc)
        return rc;
    return cli_show(o, "outbox.retry", json_pack("{s:s}", "id", id),
                    s_view_retry);
}

/* ------------------------------------------------------------ misc */

static void s_view_ping(FILE *out, const json_t *r)
{
    char now[TABLE_TIME_MAX];
    table_time(json_string_value(json_object_get(r, "now")), now, sizeof now);
    fprintf(out, "regied %s is running (its clock says %s).\n",
            json_string_value(json_object_get(r, "version")), now);
}

static int s_ping(cli_opts_t *o, int argc, char **argv)
{
    int rc = cli_args(o, argc, argv, NULL, NULL, 0);
    return rc ? rc : cli_show(o, "ping", json_object(), s_view_ping);
}

/* ------------------------------------------------------------ table */

/* Longer words first: "outbox retry" before "outbox". */
static const cli_cmd_t s_cmds[] = {
    {"regisseur add", s_regisseur_add,
     "--name NAME --organisation ORG\n"
     "          --email EMAIL [--phone PHONE]",
     "      Adds a regisseur to the social map. The email must be unique\n"
     "      among active regisseurs: it is where regie sends the cases.\n"},
    {"regisseur update", s_regisseur_update,
     "REGISSEUR [--name NAME] [--organisation ORG]\n"
     "          [--email EMAIL] [--phone PHONE]",
     "      Changes the given fields; --phone '' removes the number.\n"},
    {"regisseur deactivate", s_regisseur_deactivate, "REGISSEUR",
     "      Marks a regisseur inactive (left, or on long leave): no case\n"
     "      can be assigned to an inactive regisseur. Refused while the\n"
     "      regisseur holds open cases: assign those to someone else\n"
     "      first (regiectl cases --regisseur REGISSEUR).\n"},
    {"regisseur activate", s_regisseur_activate, "REGISSEUR",
     "      Makes an inactive regisseur assignable again.\n"},
    {"regisseur show", s_regisseur_show, "REGISSEUR",
     "      One regisseur, with the open cases it holds.\n"},
    {"regisseur list", s_regisseur_list, "[--all]",
     "      Same as regiectl regisseurs.\n"},
    {"regisseurs", s_regisseur_list, "[--all]",
     "      The social map: active regisseurs by name, with organisation,\n"
     "      email, phone and the number of open cases each holds. --all\n"
     "      includes inactive ones.\n"},
    {"case list", s_case_list,
     "[--status open|closed|all]\n"
     "          [--regisseur REGISSEUR] [--unassigned]",
     "      Same as regiectl cases.\n"},
    {"cases", s_case_list,
     "[--status open|closed|all]\n"
     "          [--regisseur REGISSEUR] [--unassigned]",
     "      Cases, oldest first: status (default open), type, regisseur,\n"
     "      when opened, persons (a count: persons are never shown),\n"
     "      referrals and the last one's date. --regisseur: only that\n"
     "      regisseur's; --unassigned: only cases without regisseur.\n"},
    {"case show", s_case_show, "CASE",
     "      One case: status, type, regisseur, and its referrals with\n"
     "      partner, kind, category, urgency, date, the partner's contact\n"
     "      and note (the note is for the Kernteam; it is never emailed).\n"},
    {"case assign", s_case_assign, "CASE REGISSEUR",
     "      Makes REGISSEUR the regisseur of an open case; with mail\n"
     "      configured, the new regisseur is emailed, and so is the\n"
     "      previous one. Partners that may know it learn the regisseur\n"
     "      in the replies to their next referrals about the household.\n"},
    {"case type", s_case_type, "CASE complex|intensive",
     "      Sets the type of an open case.\n"},
    {"case close", s_case_close, "CASE --reason TEXT",
     "      Closes an open case; the reason is required. A later referral\n"
     "      about its persons opens a new case.\n"},
    {"lookup", s_lookup, "--bsn",
     "      Finds the cases (open and closed) of a person by BSN. The BSN\n"
     "      is read from the terminal without echo, or from standard\n"
     "      input when that is not a terminal; never from the command\n"
     "      line, so it stays out of shell history and ps. regied hashes\n"
     "      it at once; it is not logged. Exit status 1 when no case\n"
     "      holds the person.\n"},
    {"outbox retry", s_outbox_retry, "ID",
     "      Makes a failed notification pending again, due now.\n"},
    {"outbox list", s_outbox_list, "[--status pending|sent|failed] [--limit N]",
     "      Same as regiectl outbox.\n"},
    {"outbox", s_outbox_list, "[--status pending|sent|failed] [--limit N]",
     "      Notifications, newest first (at most N, default 100): to whom,\n"
     "      subject, attempts, the next attempt or when it was sent, and\n"
     "      the last error of a failed one.\n"},
    {"ping", s_ping, "",
     "      Checks that regied answers; prints its version and clock.\n"},
};

const cli_table_t rccore_table = {s_cmds, sizeof s_cmds / sizeof *s_cmds};

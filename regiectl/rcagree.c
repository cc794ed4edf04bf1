/*
 * rcagree — regiectl's commands of agreements (see cli.h): make one,
 * list, show, report on, extend and waive them, the overdue list, and
 * the test clock of a regied started with --test-clock. Each builds the
 * control request (of the daemon's cmdagree or cmdclock) and shows
 * the reply with viewagree.
 */
#include "rcagree.h"

#include "parse.h"
#include "table.h"
#include "viewagree.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_DAYS_MAX 3660         /* --every: ten years */
#define S_ADVANCE_MAX 315360000 /* clock advance: ten years, in seconds */

/* ------------------------------------------------------------ parsing */

/* The seconds of a duration's unit letter ('\0': seconds), or 0 when c
 * is no unit. */
static long long s_unit(char c)
{
    static const struct {
        char letter;
        long long seconds;
    } units[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600},
                 {'m', 60},        {'s', 1},     {'\0', 1}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (units[i].letter == c)
            return units[i].seconds;
    return 0;
}

/* A duration "3d", "12h", "90m", "30s", "2w", "1d12h" or "3600"
 * (seconds) into *seconds; false when it is none, or not above zero. */
static bool s_duration(const char *text, long long *seconds)
{
    long long total = 0;
    const char *p = text;
    if (!*p)
        return false;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return false;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        long long unit = s_unit(*end);
        if (!unit || errno || v > S_ADVANCE_MAX / unit)
            return false;
        total += v * unit;
        if (total > S_ADVANCE_MAX)
            return false;
        p = *end ? end + 1 : end;
    }
    if (total <= 0)
        return false;
    *seconds = total;
    return true;
}

/* The usage error of an owner that s_owner does not take; frees args. */
static int s_bad_owner(json_t *args, const char *owner)
{
    json_decref(args);
    return cli_usage_error("--owner %s: give regisseur:REGISSEUR, "
                           "partner:ID, kernteam or department:ID",
                           owner);
}

/* ------------------------------------------------------------ views */

static void s_view_made(FILE *out, const json_t *a)
{
    fprintf(out, "Agreement %s is made.\n\n",
            json_string_value(json_object_get(a, "agreement")));
    viewagree_one(out, a);
}

static void s_view_extended(FILE *out, const json_t *a)
{
    char due[TABLE_TIME_MAX];
    fprintf(out, "Agreement %s is now due %s; the reason is on record.\n\n",
            json_string_value(json_object_get(a, "agreement")),
            table_time(json_string_value(json_object_get(a, "due_at")), due,
                       sizeof due));
    viewagree_one(out, a);
}

static void s_view_waived(FILE *out, const json_t *a)
{
    fprintf(out, "Agreement %s is waived; the reason is on record.\n\n",
            json_string_value(json_object_get(a, "agreement")));
    viewagree_one(out, a);
}

/* ------------------------------------------------------------ commands */

/* The option agree misses: --due may be left out of a request (to a
 * department, unless --kind says otherwise). NULL when none. */
static const char *s_agree_missing(const char *owner, const char *desc,
                                   const char *due, const char *kind)
{
    bool request = (kind && strcmp(kind, "request") == 0) ||
                   (!kind && owner && strncmp(owner, "department:", 11) == 0);
    return !owner             ? "--owner"
           : !desc            ? "--description"
           : !due && !request ? "--due"
                              : NULL;
}

static int s_agree(cli_opts_t *o, int argc, char **argv)
{
    const char *owner = NULL, *kase = NULL, *desc = NULL, *due = NULL;
    const char *every = NULL, *policy = NULL, *kind = NULL;
    const cli_opt_t opts[] = {
        {"owner", &owner, NULL},      {"case", &kase, NULL},
        {"description", &desc, NULL}, {"due", &due, NULL},
        {"every", &every, NULL},      {"policy", &policy, NULL},
        {"kind", &kind, NULL},        {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    const char *missing = s_agree_missing(owner, desc, due, kind);
    if (missing)
        return cli_usage_error("agree: %s is required", missing);
    long long days = 0;
    if (every && !parse_number(every, 1, S_DAYS_MAX, &days))
        return cli_usage_error("--every %s: give a number of days (1 to %d)",
                               every, S_DAYS_MAX);
    json_t *args = json_object();
    if (!parse_owner(owner, args))
        return s_bad_owner(args, owner);
    const char *type = json_string_value(json_object_get(args, "owner_type"));
    if (!kind)
        kind = strcmp(type, "department") == 0 ? "request" : "custom";
    cli_put(args, "kind", kind);
    cli_put(args, "case", kase);
    cli_put(args, "description", desc);
    cli_put(args, "due", due);
    if (every)
        json_object_set_new(args, "period_days", json_integer(days));
    cli_put(args, "policy", policy);
    return cli_show(o, "agreement.make", args, s_view_made);
}

static int s_list(cli_opts_t *o, int argc, char **argv)
{
    const char *status = NULL, *owner = NULL, *kase = NULL, *kind = NULL;
    const cli_opt_t opts[] = {{"status", &status, NULL},
                              {"owner", &owner, NULL},
                              {"case", &kase, NULL},
                              {"kind", &kind, NULL},
                              {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    json_t *args = json_object();
    if (owner && !parse_owner(owner, args))
        return s_bad_owner(args, owner);
    cli_put(args, "status", status);
    cli_put(args, "case", kase);
    cli_put(args, "kind", kind);
    return cli_show(o, "agreement.list", args, viewagree_list);
}

static int s_show(cli_opts_t *o, int argc, char **argv)
{
    const char *a;
    int rc = cli_args(o, argc, argv, NULL, &a, 1);
    if (rc)
        return rc;
    return cli_show(o, "agreement.show", json_pack("{s:s}", "agreement", a),
                    viewagree_show);
}

static int s_report(cli_opts_t *o, int argc, char **argv)
{
    const char *a, *reason = NULL, *note = NULL, *period = NULL;
    const char *count = NULL;
    bool not_delivered = false;
    const cli_opt_t opts[] = {{"not-delivered", NULL, &not_delivered},
                              {"reason", &reason, NULL},
                              {"note", &note, NULL},
                              {"period", &period, NULL},
                              {"count", &count, NULL},
                              {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &a, 1);
    if (rc)
        return rc;
    if (not_delivered && (!reason || !*reason))
        return cli_usage_error("report: --not-delivered needs --reason: why "
                               "the agreed report is not coming");
    if (reason && !not_delivered)
        return cli_usage_error("report: --reason goes with --not-delivered; "
                               "use --note for a delivered report");
    long long n = 0;
    if (count && !parse_number(count, 0, INT32_MAX, &n))
        return cli_usage_error("--count %s: give a number, 0 or more", count);
    json_t *args = json_pack("{s:s, s:s}", "agreement", a, "status",
                             not_delivered ? "not_delivered" : "delivered");
    cli_put(args, "reason", reason);
    cli_put(args, "note", note);
    cli_put(args, "period", period);
    if (count)
        json_object_set_new(args, "count", json_integer(n));
    return cli_show(o, "agreement.report", args, viewagree_report);
}

static int s_extend(cli_opts_t *o, int argc, char **argv)
{
    const char *a, *until = NULL, *reason = NULL;
    const cli_opt_t opts[] = {
        {"until", &until, NULL}, {"reason", &reason, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &a, 1);
    if (rc)
        return rc;
    if (!until || !reason || !*reason)
        return cli_usage_error("extend: %s is required",
                               !until ? "--until" : "--reason");
    return cli_show(o, "agreement.extend",
                    json_pack("{s:s, s:s, s:s}", "agreement", a, "until", until,
                              "reason", reason),
                    s_view_extended);
}

static int s_waive(cli_opts_t *o, int argc, char **argv)
{
    const char *a, *reason = NULL;
    const cli_opt_t opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &a, 1);
    if (rc)
        return rc;
    if (!reason || !*reason)
        return cli_usage_error("waive: --reason is required");
    return cli_show(o, "agreement.waive",
                    json_pack("{s:s, s:s}", "agreement", a, "reason", reason),
                    s_view_waived);
}

static int s_overdue(cli_opts_t *o, int argc, char **argv)
{
    int rc = cli_args(o, argc, argv, NULL, NULL, 0);
    return rc ? rc
              : cli_show(o, "agreement.overdue", json_object(),
                         viewagree_overdue);
}

static int s_clock_set(cli_opts_t *o, int argc, char **argv)
{
    const char *when;
    int rc = cli_args(o, argc, argv, NULL, &when, 1);
    if (rc)
        return rc;
    return cli_show(o, "clock.set", json_pack("{s:s}", "at", when),
                    viewagree_clock);
}

static int s_clock_advance(cli_opts_t *o, int argc, char **argv)
{
    const char *text;
    long long seconds;
    int rc = cli_args(o, argc, argv, NULL, &text, 1);
    if (rc)
        return rc;
    if (!s_duration(text, &seconds))
        return cli_usage_error("clock advance %s: give a duration above "
                               "zero like 3d, 12h, 90m, 1d12h or 3600 "
                               "(seconds)",
                               text);
    return cli_show(o, "clock.advance",
                    json_pack("{s:I}", "seconds", (json_int_t)seconds),
                    viewagree_clock);
}

/* ------------------------------------------------------------ table */

#define S_OWNER_HELP                                                           \
    "      OWNER is regisseur:REGISSEUR (RG-000003 or 3), partner:ID (vt),\n"  \
    "      kernteam, or department:ID (a department of the gemeente).\n"

#define S_AGREEMENT_HELP                                                       \
    "      AGREEMENT is a reference like A-000007, or its number, 7.\n"

#define S_WHEN_HELP                                                            \
    "      WHEN is an RFC 3339 time (2026-12-01T09:00:00+01:00) or\n"          \
    "      \"2026-12-01 09:00\", a local time in regie's zone.\n"

/* "agreement show" and "agreement list" before "agreements" and "agree":
 * the first table entry whose words match is run. */
static const cli_cmd_t s_cmds[] = {
    {"agreement show", s_show, "AGREEMENT",
     "      One agreement: kind, owner, case, description, policy, rhythm,\n"
     "      status, the current occurrence's due time, escalation level,\n"
     "      when the next reminder or escalation is due, extensions, who\n"
     "      made it. Then the occurrences that ended (met, met late,\n"
     "      missed, waived, closed), the reports received (for a\n"
     "      partner's report: the count it gave next to the referrals\n"
     "      regie received in the period, and whether they match), and\n"
     "      the audit trail: every reminder, escalation, extension and\n"
     "      waiver with its time, who did it and the reason "
     "given.\n" S_AGREEMENT_HELP},
    {"agreement list", s_list,
     "[--status S] [--owner OWNER] [--case CASE]\n"
     "          [--kind KIND]",
     "      Same as regiectl agreements.\n"},
    {"agreements", s_list,
     "[--status open|met|met_late|waived|closed|all]\n"
     "          [--owner OWNER] [--case CASE]\n"
     "          [--kind progress|assign|partner|request|custom]",
     "      Agreements (default: the open ones) with kind, owner, case,\n"
     "      rhythm in days, the current due time, status and escalation\n"
     "      level (0: reminders only; 1 and up: escalated along the\n"
     "      policy's ladder).\n" S_OWNER_HELP},
    {"agree", s_agree,
     "--owner OWNER [--case CASE] --description TEXT\n"
     "          --due WHEN [--every DAYS] [--policy NAME]\n"
     "          [--kind custom|request]\n"
     "      (a request to a department may leave out --due: it is then due\n"
     "      after the configured response time, agreements.request_days)",
     "      Makes an agreement: OWNER delivers what TEXT says by WHEN. With\n"
     "      --every the agreement is recurring: after each report (or a\n"
     "      missed due time) the next one is due DAYS days later, at the\n"
     "      same local time of day. The owner is emailed a confirmation\n"
     "      the same day (\"what is agreed is put in writing the same\n"
     "      day\"). Reminders and escalation follow --policy (default: the\n"
     "      policy configured for the kind). --kind defaults to request\n"
     "      for a department (the gemeente's own response time) and to\n"
     "      custom otherwise. Progress reports and a new case's assignment\n"
     "      are started by regie itself (regiectl case assign).\n" S_OWNER_HELP
         S_WHEN_HELP},
    {"report", s_report,
     "AGREEMENT [--not-delivered --reason TEXT]\n"
     "          [--note TEXT] [--period PERIOD] [--count N]",
     "      Records a report on an open agreement (on behalf of its owner):\n"
     "      it is met, or met late after its due time; a recurring one\n"
     "      rolls on and the next due time is shown. --not-delivered with\n"
     "      a --reason records why the agreed report is not coming; the\n"
     "      agreement stays open and its ladder goes on. --period\n"
     "      (2026-W47 or 2026-11-20) and --count (0 or more referrals\n"
     "      forwarded) are for a partner's report: the count is checked\n"
     "      against the referrals regie received from the partner in that\n"
     "      period, and a mismatch is recorded as an agreement not kept.\n"
     "      The note is stored, never emailed.\n" S_AGREEMENT_HELP},
    {"extend", s_extend, "AGREEMENT --until WHEN --reason TEXT",
     "      Gives the owner more time: the current occurrence is due WHEN,\n"
     "      and its reminders and escalation start again from there. The\n"
     "      reason is required and kept in the audit trail (agreement\n"
     "      show).\n" S_AGREEMENT_HELP S_WHEN_HELP},
    {"waive", s_waive, "AGREEMENT --reason TEXT",
     "      Waives the current occurrence: no more reminders or escalation\n"
     "      for it. A one-off agreement ends as waived; a recurring one\n"
     "      goes on with its next occurrence. The reason is required and\n"
     "      kept in the audit trail.\n" S_AGREEMENT_HELP},
    {"overdue", s_overdue, "",
     "      The agreements not kept, by owner and days late: kind, case,\n"
     "      due time, escalation level, how many occurrences in a row were\n"
     "      missed (a partner's weekly report that has not come for three\n"
     "      weeks shows 3), and the reasons given in not_delivered\n"
     "      reports.\n"},
    {"clock set", s_clock_set, "WHEN",
     "      For tests only: sets regied's clock to WHEN; it ticks on from\n"
     "      there, and reminders and escalations that fall due are sent.\n"
     "      Refused unless regied runs with --test-clock. The setting is\n"
     "      lost when regied restarts.\n" S_WHEN_HELP},
    {"clock advance", s_clock_advance, "DURATION",
     "      For tests only: moves regied's clock forward by DURATION: 3d,\n"
     "      12h, 90m, 30s, 2w, combined like 1d12h, or a number of\n"
     "      seconds. Reminders and escalations that fall due are sent.\n"
     "      Refused unless regied runs with --test-clock.\n"},
};
const cli_table_t rcagree_table = {s_cmds, sizeof s_cmds / sizeof *s_cmds};

/*
 * rcmon — regiectl's monitoring commands (see cli.h): the audit log,
 * statistics, the network of a case, purge, backup and the digest. Each
 * sends one control request of cmdmon (backup also asks for its status
 * until it ends) and shows the reply with viewmon; the digest's preview
 * is written to files (outdir).
 */
#include "rcmon.h"

#include "outdir.h"
#include "viewmon.h"
#include "xmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define S_BACKUP_POLL_MS 100

static int s_log(cli_opts_t *o, int argc, char **argv)
{
    const char *since = NULL, *limit = NULL, *what[1] = {NULL};
    const cli_opt_t opts[] = {
        {"since", &since, NULL}, {"limit", &limit, NULL}, {NULL, NULL, NULL}};
    int npos = 0; /* CASE or AGREEMENT is optional */
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' && strcmp(argv[i - 1], "--since") &&
            strcmp(argv[i - 1], "--limit"))
            npos++;
    int rc = cli_args(o, argc, argv, opts, what, npos > 0 ? 1 : 0);
    if (rc)
        return rc;
    json_t *args = json_object();
    if (what[0])
        cli_put(args,
                (what[0][0] == 'A' || what[0][0] == 'a') && what[0][1] == '-'
                    ? "agreement"
                    : "case",
                what[0]);
    cli_put(args, "since", since);
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (*end || end == limit || n < 1) {
            json_decref(args);
            return cli_usage_error("--limit %s: give a number of events",
                                   limit);
        }
        json_object_set_new(args, "limit", json_integer(n));
    }
    return cli_show(o, "log", args, viewmon_log);
}

static int s_stats(cli_opts_t *o, int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    bool csv = false;
    const cli_opt_t opts[] = {{"from", &from, NULL},
                              {"to", &to, NULL},
                              {"csv", NULL, &csv},
                              {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    if (csv && o->json)
        return cli_usage_error("stats: give --csv or --json, not both");
    json_t *args = json_object();
    cli_put(args, "from", from);
    cli_put(args, "to", to);
    return cli_show(o, "stats", args, csv ? viewmon_stats_csv : viewmon_stats);
}

static int s_case_network(cli_opts_t *o, int argc, char **argv)
{
    const char *kase;
    bool mapped = false, engaged = false;
    const cli_opt_t opts[] = {{"mapped", NULL, &mapped},
                              {"engaged", NULL, &engaged},
                              {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &kase, 1);
    if (rc)
        return rc;
    if (!mapped && !engaged)
        return cli_usage_error("case network: give --mapped, --engaged or "
                               "both");
    return cli_show(o, "case.network",
                    json_pack("{s:s, s:b, s:b}", "case", kase, "mapped", mapped,
                              "engaged", engaged),
                    viewmon_network);
}

static int s_purge(cli_opts_t *o, int argc, char **argv)
{
    bool dry = false;
    const cli_opt_t opts[] = {{"dry-run", NULL, &dry}, {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc)
        return rc;
    return cli_show(o, "purge", json_pack("{s:b}", "dry_run", dry),
                    viewmon_purge);
}

/* FILE made absolute against the current folder: regied writes it. */
static char *s_absolute(const char *file)
{
    if (file[0] == '/')
        return xstrdup(file);
    char *cwd = getcwd(NULL, 0);
    char *out = xasprintf("%s/%s", cwd ? cwd : ".", file);
    free(cwd);
    return out;
}

static int s_backup(cli_opts_t *o, int argc, char **argv)
{
    const char *file;
    int rc = cli_args(o, argc, argv, NULL, &file, 1);
    if (rc)
        return rc;
    char *path = s_absolute(file);
    json_t *r;
    rc = cli_call(o, "backup", json_pack("{s:s}", "path", path), &r);
    free(path);
    while (rc == 0 && strcmp(json_string_value(json_object_get(r, "state")),
                             "running") == 0) {
        json_decref(r);
        struct timespec ts = {0, S_BACKUP_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        rc = cli_call(o, "backup.status", json_object(), &r);
    }
    if (rc)
        return rc;
    bool done =
        strcmp(json_string_value(json_object_get(r, "state")), "done") == 0;
    cli_print(o, r, viewmon_backup);
    return done ? 0 : EX_SOFTWARE;
}

/* What a preview wrote, for a person. */
static void s_view_preview(FILE *out, const json_t *r)
{
    fprintf(out,
            "The digest %s for %s (not queued) is in %s: digest.txt, "
            "digest.html and chart.png.\n",
            json_string_value(json_object_get(r, "key")),
            json_string_value(json_object_get(r, "to")),
            json_string_value(json_object_get(r, "dir")));
}

/* Writes the preview r into dir: digest.txt (subject and text),
 * digest.html and chart.png. Returns the exit status. */
static int s_preview(cli_opts_t *o, json_t *r, const char *dir, bool force)
{
    const char *b64 = json_string_value(json_object_get(r, "png"));
    const char *html = json_string_value(json_object_get(r, "html"));
    size_t blen = b64 ? strlen(b64) : 0, plen = 0;
    unsigned char *png = xmalloc(blen / 4 * 3 + 3);
    if (!b64 || !html ||
        sodium_base642bin(png, blen / 4 * 3 + 3, b64, blen, NULL, &plen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(png);
        json_decref(r);
        fprintf(stderr, "regiectl: regied gave no chart (see its log)\n");
        return EX_SOFTWARE;
    }
    char *text = xasprintf("Subject: %s\n\n%s",
                           json_string_value(json_object_get(r, "subject")),
                           json_string_value(json_object_get(r, "body")));
    outdir_file_t files[] = {{"digest.txt", text, strlen(text)},
                             {"digest.html", html, strlen(html)},
                             {"chart.png", png, plen}};
    char why[600];
    int rc = outdir_write(dir, files, 3, force, why, sizeof why);
    if (rc != 0)
        fprintf(stderr, "regiectl: %s\n", why);
    else
        cli_print(o,
                  json_pack("{s:O, s:O, s:s, s:[sss], s:O}", "key",
                            json_object_get(r, "key"), "to",
                            json_object_get(r, "to"), "dir", dir, "files",
                            "digest.txt", "digest.html", "chart.png", "chart",
                            json_object_get(r, "chart")),
                  s_view_preview);
    free(text);
    free(png);
    json_decref(r);
    return rc == 0 ? 0 : rc == 1 ? CLI_EX_REFUSED : EX_CANTCREAT;
}

/* Checks the digest's options: one of --print, --send, --preview; --out
 * (and --force) with --preview only. */
static int s_digest_usage(bool print, bool send, bool preview, const char *out,
                          bool force)
{
    if (print + send + preview != 1)
        return cli_usage_error("digest: give --print, --send or --preview");
    if (preview && !out)
        return cli_usage_error("digest --preview: give --out DIR");
    if (!preview && (out || force))
        return cli_usage_error("digest: --out and --force go with "
                               "--preview");
    return 0;
}

static int s_digest(cli_opts_t *o, int argc, char **argv)
{
    bool print = false, send = false, preview = false, force = false;
    const char *out = NULL;
    const cli_opt_t opts[] = {
        {"print", NULL, &print},     {"send", NULL, &send},
        {"preview", NULL, &preview}, {"out", &out, NULL},
        {"force", NULL, &force},     {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, NULL, 0);
    if (rc || (rc = s_digest_usage(print, send, preview, out, force)))
        return rc;
    json_t *r;
    rc =
        cli_call(o, "digest",
                 json_pack("{s:b, s:b}", "send", send, "preview", preview), &r);
    if (rc == 0 && preview)
        return s_preview(o, r, out, force);
    if (rc || print || o->json)
        return rc ? rc : cli_print(o, r, viewmon_digest);
    bool queued = json_is_true(json_object_get(r, "queued"));
    const char *key = json_string_value(json_object_get(r, "key"));
    const char *to = json_string_value(json_object_get(r, "to"));
    if (queued)
        printf("The digest %s is queued for %s.\n", key, to);
    else
        printf("The digest %s was queued before (for %s); it goes out "
               "once a week.\n",
               key, to);
    json_decref(r);
    return 0;
}

/* "case network" is not among the core's words, so it is found here. */
static const cli_cmd_t s_cmds[] = {
    {"log", s_log, "[CASE|AGREEMENT] [--since DATE] [--limit N]",
     "      The audit trail, oldest first: time, actor (user:NAME,\n"
     "      partner:ID, scheduler, daemon), action, case, agreement,\n"
     "      reference and details. CASE (C-000017) or AGREEMENT (A-000003)\n"
     "      limits it to their events; --since DATE (2026-11-20, local, or\n"
     "      an RFC 3339 time) to the events from then on. At most the N\n"
     "      newest events are shown (default 1000). Nothing can change or\n"
     "      delete an event.\n"},
    {"stats", s_stats, "[--from DATE] [--to DATE] [--csv]",
     "      Figures for a period (default: this ISO week and the 11 before\n"
     "      it; --to DATE includes that day): referrals per partner and\n"
     "      week, the share matched to an existing case, the time from a\n"
     "      case's first referral to its regisseur (median, 90th\n"
     "      percentile), progress and partner reports and the gemeente\n"
     "      departments' agreements on time, late and missing with\n"
     "      extensions and waivers, per partner, regisseur organisation and\n"
     "      department; and the two blind spots: the share of\n"
     "      cases whose social network was mapped and engaged, and care\n"
     "      against participation and safety in what came in (the domains\n"
     "      of the categories, configured in 'domains'). --csv: one line\n"
     "      per figure, for a spreadsheet; --json: everything.\n"},
    {"case network", s_case_network, "CASE [--mapped] [--engaged]",
     "      Records that the social network of the household (family,\n"
     "      neighbours, volunteers) has been mapped, or engaged in the\n"
     "      plan (engaged implies mapped), with the time and your name.\n"},
    {"purge", s_purge, "[--dry-run]",
     "      Removes now what the retention rules say must go (regied does\n"
     "      this every night at monitoring.purge_at): the referrals and\n"
     "      persons of cases closed longer than retention_months ago, and\n"
     "      referrals of open cases older than max_active_months. Prints\n"
     "      how many rows of each kind went; the audit trail keeps only\n"
     "      these counts. --dry-run: only counts, removes nothing.\n"},
    {"backup", s_backup, "FILE",
     "      Writes a consistent copy of the database to FILE (made\n"
     "      absolute here; regied writes it, mode 0600, and never over an\n"
     "      existing file) while referrals keep coming in, then checks it\n"
     "      with PRAGMA integrity_check. Waits until the copy is made.\n"
     "      The pseudonym key is not in it: keep that safe apart.\n"},
    {"digest", s_digest, "--print|--send|--preview --out DIR [--force]",
     "      The weekly digest for the gemeente as of now: --print shows\n"
     "      its text; --send queues it for the gemeente's address now (at\n"
     "      most once per ISO week: regied sends it by itself on the\n"
     "      digest day, and a second --send the same week does nothing);\n"
     "      --preview --out DIR writes what would go out into the\n"
     "      existing folder DIR, mode 0644: digest.txt (the subject and\n"
     "      the text), digest.html (its HTML, showing chart.png beside\n"
     "      it) and chart.png (the chart), without queueing anything.\n"
     "      It will not overwrite those files unless --force.\n"},
};
const cli_table_t rcmon_table = {s_cmds, sizeof s_cmds / sizeof *s_cmds};

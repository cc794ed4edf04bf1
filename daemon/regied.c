/*
 * regied — the regie daemon: receives referrals from partner adapters
 * (RRP/1 over ZeroMQ with CURVE), stores and matches them to households.
 */
#include "config/cfg.h"
#include "config/cfgload.h"
#include "clock.h"
#include "mon/digest.h"
#include "log.h"
#include "mail/notify.h"
#include "server.h"
#include "store/store.h"

#include <getopt.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define REGIED_DEFAULT_CONFIG "/etc/regie/regie.conf"

#define S_TRY "Try 'regied --help' for more information.\n"

/* The help text. */
static const char s_usage_text[] =
"Usage: regied [-c FILE] [--check-config] [-v]\n"
"\n"
"regied receives referrals (meldingen, verwijzingen, aanmeldingen,\n"
"signalen) from partner organisations over RRP/1 (ZeroMQ with CURVE),\n"
"pseudonymises the persons, stores each referral durably in SQLite and\n"
"matches it to the household's case. An ACK is sent only after the\n"
"referral is committed.\n"
"\n"
"It runs in the foreground and logs to standard error with priority\n"
"prefixes for journald; start it with systemd (Type=notify).\n"
"\n"
"Options:\n"
"  -c, --config FILE   configuration file (default "
    REGIED_DEFAULT_CONFIG ")\n"
"      --check-config  check the configuration and exit: 0 when good, 78\n"
"                      with every error as FILE:LINE: MESSAGE otherwise\n"
"  -v, --verbose       log at debug level, whatever the configuration says\n"
"      --test-clock    let regiectl set and advance the daemon's clock\n"
"                      (clock set, clock advance), so that weeks of\n"
"                      reminders run in seconds; for tests only, never in\n"
"                      production\n"
"  -V, --version       print the version and exit\n"
"  -h, --help          show this help and exit\n"
"\n"
"Signals:\n"
"  SIGHUP              re-read the configuration (partners, categories,\n"
"                      limits, log level); on errors the running one stays\n"
"  SIGTERM, SIGINT     finish the batch in hand, then stop (exit 0)\n"
"\n"
"Exit status: 0 after a clean stop or a good check, 64 usage error, 69\n"
"cannot start (database, sockets), 78 configuration error.\n"
"\n"
"Files: " REGIED_DEFAULT_CONFIG ", the server's CURVE secret key, the pseudonym key and the\n"
"database, as named in the configuration. Keys are made with\n"
"regie-keygen(1).\n";

static void s_usage(FILE *out)
{
    fputs(s_usage_text, out);
}

/* What the command line asks for. */
typedef struct {
    const char *path; /* the configuration file */
    int check;        /* --check-config */
    int verbose;      /* -v */
} s_args_t;

/* Reads the options into a. Returns -1 to go on, or the exit status. */
static int s_parse(s_args_t *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, 'C'},
        {"verbose", no_argument, NULL, 'v'},
        {"test-clock", no_argument, NULL, 'T'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "c:vVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->path = optarg; break;
        case 'C': a->check = 1; break;
        case 'v': a->verbose = 1; break;
        case 'T': clock_allow_setting(1); break;
        case 'V': printf("regied %s\n", REGIE_VERSION); return 0;
        case 'h': s_usage(stdout); return 0;
        default: fputs(S_TRY, stderr); return 64;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "regied: unexpected argument '%s'\n%s", argv[optind],
                S_TRY);
        return 64;
    }
    return -1;
}

/* Reads and checks the configuration at path, with the templates it
 * names (they must load). Returns it, or NULL after the errors were
 * written to stderr. */
static cfg_t *s_load(const char *path)
{
    cfg_t *cfg = cfgload_read(path);
    if (!cfg)
        return NULL;
    notify_t *templates = notify_new(cfg);
    digest_t *dg = templates ? digest_new(cfg) : NULL;
    if (!dg)
        cfg_destroy(&cfg);
    notify_destroy(&templates);
    digest_destroy(&dg);
    return cfg;
}

int main(int argc, char **argv)
{
    s_args_t a = {.path = REGIED_DEFAULT_CONFIG};
    int rc = s_parse(&a, argc, argv);
    if (rc >= 0)
        return rc;
    umask(077);
    /* Keep freed memory instead of giving the top of the heap back after
     * every statement: trimming made intake fault pages back in
     * (measured, when SQLite still built and freed a small table for
     * each CHECK ... IN list: half the main thread's time at 16
     * clients). */
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    store_global_init();
    if (sodium_init() < 0) {
        log_err("regied: libsodium cannot start");
        return 69;
    }
    /* The check is for a person at a terminal, or for journald under
     * systemd (ExecStartPre): prefixes only there. */
    if (a.check)
        log_set_prefix(getenv("JOURNAL_STREAM") != NULL);
    cfg_t *cfg = s_load(a.path);
    if (!cfg)
        return CFG_EX_CONFIG;
    if (a.check) {
        cfg_destroy(&cfg);
        return 0;
    }
    setenv("TZ", cfg->timezone, 1);
    tzset();
    log_set_level(a.verbose ? LOG_LEVEL_DEBUG : cfg->log_level);
    server_t *srv = server_new(&cfg);
    if (!srv) {
        cfg_destroy(&cfg);
        return 69;
    }
    rc = server_run(srv);
    server_destroy(&srv);
    log_notice("regied: stopped");
    return rc;
}

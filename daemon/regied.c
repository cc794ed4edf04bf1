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

#include <getopt.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define REGIED_DEFAULT_CONFIG "/etc/regie/regie.conf"

static void s_usage(FILE *out)
{
    fprintf(out,
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
"  -c, --config FILE   configuration file (default %s)\n"
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
"Files: %s, the server's CURVE secret key, the pseudonym key and the\n"
"database, as named in the configuration. Keys are made with\n"
"regie-keygen(1).\n",
            REGIED_DEFAULT_CONFIG, REGIED_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
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
    const char *path = REGIED_DEFAULT_CONFIG;
    int check = 0, verbose = 0, c;
    while ((c = getopt_long(argc, argv, "c:vVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'C': check = 1; break;
        case 'v': verbose = 1; break;
        case 'T': clock_allow_setting(1); break;
        case 'V': printf("regied %s\n", REGIE_VERSION); return 0;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 64;
        }
    }
    if (optind != argc) {
        s_usage(stderr);
        return 64;
    }
    umask(077);
    /* Keep freed memory instead of giving the top of the heap back after
     * every statement: SQLite builds and frees small tables for each
     * CHECK ... IN list, and trimming made intake fault pages back in
     * (measured: half the main thread's time at 16 clients). */
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    if (sodium_init() < 0) {
        log_err("regied: libsodium cannot start");
        return 69;
    }
    cfg_t *cfg = cfgload_read(path);
    if (!cfg)
        return CFG_EX_CONFIG;
    notify_t *templates = notify_new(cfg); /* the templates must load */
    if (!templates) {
        cfg_destroy(&cfg);
        return CFG_EX_CONFIG;
    }
    notify_destroy(&templates);
    digest_t *dg = digest_new(cfg);
    if (!dg) {
        cfg_destroy(&cfg);
        return CFG_EX_CONFIG;
    }
    digest_destroy(&dg);
    if (check) {
        cfg_destroy(&cfg);
        return 0;
    }
    setenv("TZ", cfg->timezone, 1);
    tzset();
    log_set_level(verbose ? LOG_LEVEL_DEBUG : cfg->log_level);
    server_t *srv = server_new(&cfg);
    if (!srv) {
        cfg_destroy(&cfg);
        return 69;
    }
    int rc = server_run(srv);
    server_destroy(&srv);
    log_notice("regied: stopped");
    return rc;
}

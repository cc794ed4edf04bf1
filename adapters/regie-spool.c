/*
 * regie-spool — the folder adapter: partners drop export files (JSON, JSON
 * lines or CSV) into a folder, and regie-spool posts every referral in
 * them to regied over RRP/1, then files each file in done/ or, with a
 * report of what was refused, in failed/. One instance per partner, as a
 * systemd service (regie-spool@PARTNER). The folder machinery is spool.c
 * and spoolrun.c, the CSV mapping csvmap.c, the configuration acfg.c.
 */
#include "acfg.h"
#include "adapter.h"
#include "batch.h"
#include "csvmap.h"
#include "jsonin.h"
#include "log.h"
#include "spool.h"
#include "spoolargs.h"
#include "spoolrun.h"
#include "xmem.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

/* What the command line asks for. */
typedef spoolargs_t args_t;

/* What the program runs with. */
typedef struct {
    acfg_t *cfg;         /* the configuration, until started */
    adapter_opts_t opts; /* how to reach regied (strings in cfg) */
    int log_level;
    acfg_spool_t spool; /* the folder and its timing (strings in cfg) */
    csvmap_t *map;      /* the CSV mapping, or NULL */
} conf_t;

static const char *const s_extensions[] = {".json", ".jsonl", ".csv", NULL};
static spoolrun_t *volatile s_run; /* for the signal handler */

/* The help text is laid out by hand. */
/* clang-format off */
static const char s_usage[] =
"Usage: regie-spool -c FILE [--check-config] [--once] [--verbose]\n"
"\n"
"Watches a spool folder and posts the referrals in every file dropped in\n"
"it to regied over RRP/1 (ZeroMQ with CURVE). Each file is taken whole:\n"
"claimed by a rename into work/, every record posted and acknowledged,\n"
"then moved to done/. A file with a refused record goes to failed/ with\n"
"NAME.error beside it, one line per refused record:\n"
"\n"
"  export.csv:3: invalid_bsn: subject.bsn fails the elfproef\n"
"    (field /subject/bsn, external_id VT-2026-0002)\n"
"\n"
"(on one line); its other records stay accepted. Fix those lines and\n"
"put the file in the folder again: accepted records come back as\n"
"duplicates, never as a second referral. When regied cannot be reached,\n"
"the file waits in work/ and is tried again after a growing pause.\n"
"\n"
"Files: NAME.json or NAME.jsonl (JSON objects, one per referral, in\n"
"any layout; RRP/1 section 3) and NAME.csv (mapped by the csv group of\n"
"the configuration). Only complete files are read: upload under a name\n"
"that starts with a dot or ends in .tmp, .part, .partial or .filepart,\n"
"and rename it when it is complete (most SFTP clients can); or set\n"
"spool.settle_ms for writers that cannot rename. Files are taken oldest\n"
"first; the folder is watched with inotify and read again every\n"
"spool.rescan_ms, so files dropped while regie-spool was down are found\n"
"at its start.\n"
"\n"
"Options:\n"
"  -c, --config FILE   the configuration (libconfig; an example is\n"
"                      config/regie-spool.conf of regie's sources)\n"
"      --check-config  check the configuration, print every mistake as\n"
"                      FILE:LINE: message, and exit (0 or 78)\n"
"      --once          handle the files that are there, then exit\n"
"  -v, --verbose       log at debug level\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"Signals: SIGTERM and SIGINT stop at once; a file in hand stays in work/\n"
"and is taken first at the next start (its accepted records come back as\n"
"duplicates). Restart to read a changed configuration.\n"
"\n"
"Exit status: 0 stopped by a signal, or --once and every file filed;\n"
"  64 usage; 73 the spool folder's subfolders cannot be made; 75 --once\n"
"  and a file waits after a temporary failure; 78 configuration error.\n";
/* clang-format on */

static int s_parse_args(args_t *a, int argc, char **argv)
{
    int rc = spoolargs_parse(a, argc, argv, "regie-spool", s_usage);
    if (rc > 0)
        return 1;
    if (rc == 0 && a->config && a->noperands == 0)
        return 0;
    if (rc == 0)
        fprintf(stderr, "regie-spool: %s\n",
                a->config ? "no arguments are taken besides the options"
                          : "give the configuration: -c FILE");
    fprintf(stderr, "Try 'regie-spool --help' for more information.\n");
    return -1;
}

/* Loads and checks the configuration; -1 after printing the errors. */
static int s_load(const char *path, conf_t *c)
{
    static const char *const known[] = {"adapter", "spool", "csv", NULL};
    c->cfg = acfg_load(path);
    acfg_check_known(c->cfg, acfg_root(c->cfg), known);
    acfg_adapter(c->cfg, &c->opts, &c->log_level);
    acfg_spool(c->cfg, true, &c->spool);
    const config_setting_t *csv = acfg_group(c->cfg, NULL, "csv", false);
    if (csv)
        c->map = csvmap_load(c->cfg, csv);
    if (acfg_error_count(c->cfg) == 0)
        return 0;
    fputs(acfg_errors(c->cfg), stderr);
    return -1;
}

/* Reads JSON records into batch. */
static void s_read_json(const char *name, const char *data, size_t len,
                        batch_t *batch)
{
    jsonin_t *in = jsonin_new(name, data, len);
    jsonin_record_t rec;
    while (jsonin_next(in, &rec)) {
        if (rec.value)
            batch_add(batch, rec.line, rec.value);
        else
            batch_refuse(batch, rec.line, NULL, "bad_json", NULL, "%s",
                         rec.error);
        jsonin_record_clear(&rec);
    }
    jsonin_destroy(&in);
}

/* The reader of spoolrun: JSON or CSV by the file's extension. */
static int s_read(void *arg, const char *name, const char *data, size_t len,
                  batch_t *batch)
{
    const conf_t *c = arg;
    size_t n = strlen(name);
    if (n < 4 || strcasecmp(name + n - 4, ".csv") != 0)
        s_read_json(name, data, len, batch);
    else if (c->map)
        csvmap_read(c->map, data, len, batch);
    else
        batch_fail(batch, 0, "bad_csv",
                   "no CSV mapping is configured "
                   "(group csv of the configuration)");
    return 0;
}

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_run)
        spoolrun_stop(s_run);
}

static void s_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Starts the parts, runs the loop, stops them in reverse. */
static int s_serve(conf_t *c, bool once)
{
    char err[512];
    adapter_t *adapter = adapter_new(&c->opts, err, sizeof err);
    if (!adapter) {
        log_err("regie-spool: %s", err);
        return EX_CONFIG;
    }
    spool_t *spool = spool_open(c->spool.folder, s_extensions,
                                c->spool.settle_ms, err, sizeof err);
    if (!spool) {
        log_err("regie-spool: %s", err);
        adapter_destroy(&adapter);
        return EX_CANTCREAT;
    }
    log_notice("regie-spool: started folder=%s endpoint=%s version=%s",
               c->spool.folder, c->opts.endpoint, REGIE_VERSION);
    acfg_destroy(&c->cfg); /* everything used from it is copied now */
    spoolrun_opts_t ro = {"regie-spool",
                          c->spool.rescan_ms,
                          c->spool.retry_ms,
                          c->spool.retry_max_ms,
                          s_read,
                          c};
    spoolrun_t *run = spoolrun_new(spool, adapter, &ro);
    s_run = run;
    s_catch_signals();
    sd_notify(0, "READY=1");
    int rc = spoolrun_run(run, once);
    sd_notify(0, "STOPPING=1");
    s_run = NULL;
    spoolrun_destroy(&run);
    spool_destroy(&spool);
    adapter_destroy(&adapter);
    log_notice("regie-spool: stopped");
    return rc == 0 ? EX_OK : rc > 0 ? EX_TEMPFAIL : EX_OSERR;
}

int main(int argc, char **argv)
{
    args_t a = {0};
    int rc = s_parse_args(&a, argc, argv);
    if (rc != 0)
        return rc > 0 ? EX_OK : EX_USAGE;
    conf_t c = {0};
    if (s_load(a.config, &c) < 0)
        rc = EX_CONFIG;
    else if (!a.check) {
        log_set_level(a.verbose ? LOG_LEVEL_DEBUG : c.log_level);
        rc = s_serve(&c, a.once);
    }
    csvmap_destroy(&c.map);
    acfg_destroy(&c.cfg);
    return rc;
}

/*
 * regie-ijw — the iJw/iWmo adapter: reads JW315 and WMO315 messages
 * ("verzoek om toewijzing") of youth care and Wmo providers, and posts
 * each client x product as a REFERRAL to regied over RRP/1. Messages come
 * from files named on the command line, standard input, or a spool folder
 * watched like regie-spool's (done/, failed/ with NAME.error). The
 * mapping is ijw.c, the folder machinery spool.c and spoolrun.c, the
 * configuration acfg.c and ijwcfg.c.
 */
#include "acfg.h"
#include "adapter.h"
#include "batch.h"
#include "ijw.h"
#include "ijwcfg.h"
#include "log.h"
#include "spool.h"
#include "spoolargs.h"
#include "spoolrun.h"
#include "xmem.h"

#include <errno.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>

/* What the command line asks for. */
typedef spoolargs_t args_t;

/* What the program runs with. */
typedef struct {
    acfg_t *cfg;         /* the configuration, until started */
    adapter_opts_t opts; /* how to reach regied (strings in cfg) */
    int log_level;
    acfg_spool_t spool; /* the folder (strings in cfg), or no folder */
    ijwcfg_t *ijw;      /* the mapping's options */
    bool refused;       /* file mode: a record or message was refused */
} conf_t;

static const char *const s_extensions[] = {".xml", NULL};
static spoolrun_t *volatile s_run;    /* for the signal handler, or ... */
static adapter_t *volatile s_adapter; /* ... in file mode this */

/* The help text is laid out by hand. */
/* clang-format off */
static const char s_usage[] =
"Usage: regie-ijw -c FILE [--check-config] [--verbose] [MESSAGE]...\n"
"       regie-ijw -c FILE [--once] [--verbose]\n"
"\n"
"Posts the requests of JW315 (iJw) and WMO315 (iWmo) messages, release\n"
"3.2, to regied over RRP/1: each client x AangevraagdProduct becomes one\n"
"REFERRAL (kind verwijzing), with external_id AGB-Identificatie-\n"
"ReferentieAanbieder, so posting a message again gives \"duplicate\".\n"
"A message that is not well-formed XML, fails the configured XSD, or is\n"
"no JW315/WMO315 3.2 is refused as a whole; a client that does not map\n"
"(a BSN failing the elfproef, say) is refused on its own.\n"
"\n"
"With MESSAGE files (\"-\" is standard input), each is posted and one\n"
"JSON line per record is printed, as regie-post does; the problems of a\n"
"refused message or record go to standard error. Without, regie-ijw\n"
"watches the folder of the spool group, as regie-spool does: *.xml\n"
"files are claimed into work/, then moved to done/, or to failed/ with\n"
"NAME.error listing each problem as FILE:LINE: error: message.\n"
"\n"
"Options:\n"
"  -c, --config FILE   the configuration (libconfig: groups adapter,\n"
"                      spool, ijw; see config/regie-ijw.conf)\n"
"      --check-config  check it, print every mistake as FILE:LINE:\n"
"                      message, and exit (0 or 78)\n"
"      --once          folder mode: handle the files there, then exit\n"
"  -v, --verbose       log at debug level\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"Exit status: 0 everything acknowledged (or stopped by a signal in\n"
"  folder mode); 64 usage; 65 a message or record was refused; 66 a\n"
"  MESSAGE cannot be read; 73 the folder's subfolders cannot be made;\n"
"  75 a temporary failure (run again later: accepted records come back\n"
"  as duplicates); 78 configuration error.\n";
/* clang-format on */

static int s_parse_args(args_t *a, int argc, char **argv)
{
    int rc = spoolargs_parse(a, argc, argv, "regie-ijw", s_usage);
    if (rc > 0)
        return 1;
    if (rc == 0 && a->config && !(a->once && a->noperands))
        return 0;
    if (rc == 0)
        fprintf(stderr, "regie-ijw: %s\n",
                a->config ? "--once is for the folder, not for MESSAGE files"
                          : "give the configuration: -c FILE");
    fprintf(stderr, "Try 'regie-ijw --help' for more information.\n");
    return -1;
}

/* Loads and checks the configuration; -1 after printing the errors. */
static int s_load(const args_t *a, conf_t *c)
{
    static const char *const known[] = {"adapter", "spool", "ijw", NULL};
    c->cfg = acfg_load(a->config);
    acfg_check_known(c->cfg, acfg_root(c->cfg), known);
    acfg_adapter(c->cfg, &c->opts, &c->log_level);
    acfg_spool(c->cfg, a->noperands == 0 && !a->check, &c->spool);
    const config_setting_t *g = acfg_group(c->cfg, NULL, "ijw", true);
    if (g)
        c->ijw = ijwcfg_load(c->cfg, g);
    if (acfg_error_count(c->cfg) == 0)
        return 0;
    fputs(acfg_errors(c->cfg), stderr);
    return -1;
}

/* Returns text after its "source:" or "source:line: " prefix. */
static const char *s_bare(const char *text, const char *source, long *line)
{
    size_t n = strlen(source);
    *line = 0;
    if (strncmp(text, source, n) != 0 || text[n] != ':')
        return text;
    char *end;
    long l = strtol(text + n + 1, &end, 10);
    if (end > text + n + 1 && *end == ':') {
        *line = l;
        return end + 1 + (end[1] == ' ');
    }
    return text + n + 1 + (text[n + 1] == ' ');
}

/* The error code of a problem that refuses a whole message. */
static const char *s_msg_code(const char *bare)
{
    if (strncmp(bare, "not well-formed", 15) == 0)
        return "not_well_formed";
    if (strncmp(bare, "schema:", 7) == 0)
        return "schema_invalid";
    return "invalid_message";
}

/* Adds refused record i of msg to batch: its problems on one line, with
 * the field of the first kind that names one (the BSN, the referrer). */
static void s_refuse(const ijw_msg_t *msg, size_t i, const char *source,
                     batch_t *batch)
{
    char *all = xstrdup(ijw_record_error(msg, i)), *save = NULL, *out = NULL;
    long at = ijw_record_line(msg, i);
    for (char *one = strtok_r(all, "\n", &save); one;
         one = strtok_r(NULL, "\n", &save)) {
        long line;
        const char *bare = s_bare(one, source, &line);
        char *part = line && line != at ? xasprintf("line %ld: %s", line, bare)
                                        : xstrdup(bare);
        char *joined = out ? xasprintf("%s; %s", out, part) : part;
        if (out)
            free(part);
        free(out);
        out = joined;
    }
    bool bsn = out && strstr(out, "Bsn ");
    const char *field = bsn                               ? "/subject/bsn"
                        : out && strstr(out, "Verwijzer") ? "/contact/name"
                                                          : NULL;
    batch_refuse(batch, at, NULL, bsn ? "invalid_bsn" : "invalid_field", field,
                 "%s", out ? out : "refused");
    free(out);
    free(all);
}

/* Parses one message into batch. Returns 0, or -1 when the options
 * cannot be used (a schema that no longer loads). */
static int s_read(void *arg, const char *name, const char *data, size_t len,
                  batch_t *batch)
{
    const conf_t *c = arg;
    ijw_msg_t *msg = ijw_parse(data, len, name, ijwcfg_options(c->ijw));
    if (!msg)
        return -1;
    for (size_t i = 0; i < ijw_error_count(msg); i++) {
        long line;
        const char *bare = s_bare(ijw_error_text(msg, i), name, &line);
        batch_fail(batch, line, s_msg_code(bare), "%s", bare);
    }
    for (size_t i = 0; i < ijw_count(msg); i++) {
        json_t *body = ijw_record_json(msg, i);
        if (body)
            batch_add(batch, ijw_record_line(msg, i), body);
        else
            s_refuse(msg, i, name, batch);
    }
    ijw_destroy(&msg);
    return 0;
}

/* File mode: prints one record's outcome as a JSON line. */
static void s_print(void *arg, const batch_t *b, const batch_record_t *rec,
                    const adapter_result_t *r)
{
    conf_t *c = arg;
    const char *word = rec->state == BATCH_PENDING   ? "TEMPORARY"
                       : rec->state == BATCH_REFUSED ? "NACK"
                                                     : "ACK";
    json_t *out = json_pack("{s:s, s:i, s:s?, s:s}", "source", batch_source(b),
                            "line", (int)rec->line, "external_id",
                            rec->external_id, "result", word);
    if (rec->reply)
        json_object_set(out, "reply", rec->reply);
    if (rec->local)
        json_object_set_new(out, "local", json_true());
    if (rec->state == BATCH_REFUSED || rec->state == BATCH_PENDING)
        json_object_set_new(out, "reason",
                            json_string(rec->state == BATCH_REFUSED
                                            ? rec->message
                                        : r && r->reason ? r->reason
                                                         : "not sent"));
    if (rec->state == BATCH_REFUSED)
        c->refused = true;
    char *line = json_dumps(out, JSON_COMPACT);
    if (line)
        printf("%s\n", line);
    fflush(stdout);
    free(line);
    json_decref(out);
}

/* Reads all of path ("-": stdin) into *data (NUL added). -1 after a
 * message on stderr. */
static int s_slurp(const char *path, char **data, size_t *len)
{
    bool std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rb");
    size_t cap = 65536, n = 0;
    char *buf = f ? xmalloc(cap) : NULL;
    while (f && !ferror(f) && !feof(f) && n <= SPOOL_MAX_FILE) {
        if (cap - n < 2)
            buf = xrealloc(buf, cap *= 2);
        n += fread(buf + n, 1, cap - n - 1, f);
    }
    int rc = !f || ferror(f) || n > SPOOL_MAX_FILE ? -1 : 0;
    if (rc < 0)
        fprintf(stderr, "regie-ijw: cannot read %s: %s\n", std ? "stdin" : path,
                n > SPOOL_MAX_FILE ? "larger than 256 MiB" : strerror(errno));
    if (f && !std)
        fclose(f);
    if (rc < 0) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* File mode: posts one message, printing each record's outcome and the
 * report on stderr. Returns an exit status. */
static int s_post_file(conf_t *c, adapter_t *adapter, const char *path)
{
    char *data;
    size_t len;
    if (s_slurp(path, &data, &len) < 0)
        return EX_NOINPUT;
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    batch_t *batch = batch_new(name);
    int rc = s_read(c, name, data, len, batch) < 0 ? EX_CONFIG : EX_OK;
    free(data);
    if (rc == EX_OK &&
        batch_post(batch, adapter, s_print, c) == ADAPTER_TEMPORARY)
        rc = EX_TEMPFAIL;
    char *report = batch_report(batch, "regie-ijw");
    if (report) {
        fputs(report, stderr);
        c->refused = true;
    }
    free(report);
    batch_destroy(&batch);
    return rc;
}

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_run)
        spoolrun_stop(s_run);
    else if (s_adapter)
        adapter_stop(s_adapter);
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

/* File mode: every MESSAGE in turn, until a temporary failure. */
static int s_files(conf_t *c, adapter_t *adapter, const args_t *a)
{
    int rc = EX_OK;
    for (int i = 0; i < a->noperands && rc == EX_OK; i++)
        rc = s_post_file(c, adapter, a->operands[i]);
    return rc != EX_OK ? rc : c->refused ? EX_DATAERR : EX_OK;
}

/* Folder mode: the loop of spoolrun over the configured folder. */
static int s_folder(conf_t *c, adapter_t *adapter, bool once)
{
    char err[512];
    spool_t *spool = spool_open(c->spool.folder, s_extensions,
                                c->spool.settle_ms, err, sizeof err);
    if (!spool) {
        log_err("regie-ijw: %s", err);
        return EX_CANTCREAT;
    }
    log_notice("regie-ijw: started folder=%s endpoint=%s version=%s",
               c->spool.folder, c->opts.endpoint, REGIE_VERSION);
    spoolrun_opts_t ro = {"regie-ijw",
                          c->spool.rescan_ms,
                          c->spool.retry_ms,
                          c->spool.retry_max_ms,
                          s_read,
                          c};
    spoolrun_t *run = spoolrun_new(spool, adapter, &ro);
    s_run = run;
    sd_notify(0, "READY=1");
    int rc = spoolrun_run(run, once);
    sd_notify(0, "STOPPING=1");
    s_run = NULL;
    spoolrun_destroy(&run);
    spool_destroy(&spool);
    log_notice("regie-ijw: stopped");
    return rc == 0 ? EX_OK : rc > 0 ? EX_TEMPFAIL : EX_OSERR;
}

int main(int argc, char **argv)
{
    args_t a = {0};
    int rc = s_parse_args(&a, argc, argv);
    if (rc != 0)
        return rc > 0 ? EX_OK : EX_USAGE;
    xmlInitParser();
    conf_t c = {0};
    char err[512];
    adapter_t *adapter = NULL;
    if (s_load(&a, &c) < 0) {
        rc = EX_CONFIG;
    } else if (!a.check) {
        if (a.noperands)
            log_set_prefix(false); /* a command, not a service */
        log_set_level(a.verbose ? LOG_LEVEL_DEBUG : c.log_level);
        adapter = adapter_new(&c.opts, err, sizeof err);
        if (!adapter)
            fprintf(stderr, "regie-ijw: %s\n", err);
    }
    if (adapter) {
        s_adapter = adapter;
        s_catch_signals();
        rc = a.noperands ? s_files(&c, adapter, &a)
                       : s_folder(&c, adapter, a.once);
        s_adapter = NULL;
    } else if (rc == 0 && !a.check) {
        rc = EX_CONFIG;
    }
    adapter_destroy(&adapter);
    ijwcfg_destroy(&c.ijw);
    acfg_destroy(&c.cfg);
    xmlCleanupParser();
    return rc;
}

/*
 * regie-post — posts referrals (or reports) from JSON files to regied over
 * RRP/1, one request per JSON object, and prints one JSON line per object
 * with what became of it. The command-line adapter for partners' scripts;
 * the shared client loop is adapter.c, the splitting of input jsonin.c.
 */
#include "adapter.h"
#include "jsonin.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* What the command line asks for. */
typedef struct {
    adapter_opts_t opts; /* how to reach the daemon */
    const char *command; /* "REFERRAL", "REPORT" or "PING" */
    bool quiet;          /* no summary on stderr */
    bool verbose;        /* each attempt on stderr */
    char **inputs;       /* files to read; "-" is stdin */
    int inputs_n;
} args_t;

/* What became of the records so far. */
typedef struct {
    int records;    /* records read */
    int acked;      /* ACK */
    int duplicates; /* ... of which "duplicate" */
    int refused;    /* NACK retry:false, or not JSON */
    bool stopped;   /* gave up on a temporary failure */
} counts_t;

static adapter_t *volatile s_adapter; /* for the signal handler */

#define S_STR(x) S_STR_(x)
#define S_STR_(x) #x

/* The help text is laid out by hand. */
/* clang-format off */
static const char s_usage[] =
"Usage: regie-post [OPTION]... [FILE]...\n"
"       regie-post --ping [OPTION]...\n"
"\n"
"Posts referrals to regied, the referral service of the gemeente, over\n"
"RRP/1 (ZeroMQ with CURVE). Each JSON object read from the FILEs (or from\n"
"standard input when there is no FILE, or for \"-\") is sent as one\n"
"REFERRAL request, in order, and what became of it is printed as one JSON\n"
"line on standard output. Without a reply the request is sent again, with\n"
"the same body, after a growing pause; the daemon recognises a request it\n"
"has already stored by its external_id and answers \"duplicate\", so\n"
"running regie-post again on the same files is always safe.\n"
"\n"
"Options:\n"
"  -e, --endpoint URL     where regied listens, tcp://HOST:PORT or\n"
"                         ipc://PATH (default " ADAPTER_DEFAULT_ENDPOINT ",\n"
"                         or $REGIE_ENDPOINT)\n"
"  -s, --server-key FILE  the daemon's public key (its .pub file; default\n"
"                         $REGIE_SERVER_KEY)\n"
"  -k, --key FILE         this partner's secret key (its .key file, made by\n"
"                         regie-keygen; default $REGIE_KEY)\n"
"  -t, --timeout MS       how long one attempt waits for the connection and\n"
"                         the reply, in milliseconds (default "
                                       S_STR(ADAPTER_DEFAULT_TIMEOUT_MS) ")\n"
"  -a, --attempts N       how often one request is sent before giving up\n"
"                         (default " S_STR(ADAPTER_DEFAULT_ATTEMPTS) ")\n"
"      --backoff-max MS   the longest pause between attempts; the pause\n"
"                         starts at " S_STR(ADAPTER_DEFAULT_BACKOFF_MS)
                                                   " ms and doubles (default "
                                   S_STR(ADAPTER_DEFAULT_BACKOFF_MAX_MS) ")\n"
"      --report           send the objects as REPORT requests (reports on\n"
"                         agreements) instead of REFERRAL\n"
"      --ping             send only a PING and print the PONG: checks the\n"
"                         keys and that the daemon is reachable\n"
"  -q, --quiet            no summary on standard error\n"
"  -v, --verbose          show every attempt on standard error\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Input: JSON objects one after another, laid out in any way: one object,\n"
"several pretty-printed objects, or JSON lines (one object per line).\n"
"Each object is a REFERRAL body (RRP/1 section 3), or with --report a\n"
"REPORT body (section 4), for example:\n"
"\n"
"  {\"external_id\": \"VT-2026-000123\", \"kind\": \"melding\",\n"
"   \"category\": \"kindermishandeling\",\n"
"   \"subject\": {\"bsn\": \"111222333\"},\n"
"   \"contact\": {\"name\": \"J. de Vries\",\n"
"               \"phone\": \"+31 88 000 0000\"}}\n"
"\n"
"An object that is not valid JSON (a duplicate key, a missing comma) is\n"
"refused here and not sent; reading goes on at the next line that starts\n"
"with \"{\". Objects are sent as they are written; the daemon checks them.\n"
"\n"
"Output: one JSON line per object on standard output, with the file\n"
"(\"stdin\" for standard input), the line the object starts on, its\n"
"external_id, the result, and the daemon's reply or the reason:\n"
"\n"
"  {\"source\":\"a.json\",\"line\":1,\"external_id\":\"VT-1\",\n"
"   \"result\":\"ACK\",\"reply\":{\"status\":\"accepted\",\n"
"   \"referral\":\"R-000042\",\"case\":\"C-000017\",...}}\n"
"  {\"source\":\"a.json\",\"line\":2,\"external_id\":\"VT-2\",\n"
"   \"result\":\"NACK\",\"reply\":{\"error\":\"invalid_bsn\",\n"
"   \"message\":\"...\",\"field\":\"/subject/bsn\",\"retry\":false},\n"
"   \"reason\":\"...\"}\n"
"  {\"source\":\"a.json\",\"line\":3,\"external_id\":\"VT-3\",\n"
"   \"result\":\"TEMPORARY\",\"reason\":\"no reply from ... within\n"
"   5000 ms (gave up after 5 attempts)\"}\n"
"\n"
"(each on one line). An object refused here has \"local\":true and a reply\n"
"with the error bad_json or too_large. With --ping the line is\n"
"{\"endpoint\":...,\"result\":\"PONG\",\"reply\":{\"version\":...,\n"
"\"partner\":...}}. Refusals and failures are also written on standard\n"
"error, for example:\n"
"\n"
"  regie-post: a.json:2: refused: invalid_bsn: subject.bsn fails the\n"
"  elfproef (field /subject/bsn)\n"
"\n"
"Environment: REGIE_ENDPOINT, REGIE_SERVER_KEY and REGIE_KEY give the\n"
"defaults of --endpoint, --server-key and --key.\n"
"\n"
"Signals: SIGINT or SIGTERM stop regie-post at once (exit status 75); a\n"
"request it was waiting for may have been stored, and is recognised as a\n"
"duplicate when sent again.\n"
"\n"
"Exit status:\n"
"   0  every object was acknowledged (ACK; PONG for --ping)\n"
"  64  usage error: an unknown option, a missing key, a value out of\n"
"      range\n"
"  65  at least one object was refused (NACK with retry false, or not\n"
"      valid JSON): fix it and post it again; the others were sent\n"
"  66  an input file or a key file cannot be read; nothing was sent\n"
"  75  a temporary failure (no reply after all attempts, the daemon\n"
"      answered retry true, or a signal): regie-post stopped there and\n"
"      the objects after it were not sent. Run it again later.\n"
"\n"
"Example:\n"
"  export REGIE_SERVER_KEY=/etc/regie/server.pub\n"
"  export REGIE_KEY=$HOME/.regie/vt.key\n"
"  regie-post -e tcp://regie.example.nl:5710 referrals.jsonl \\\n"
"      >> results.jsonl\n";
/* clang-format on */

/* Parses a non-negative int option value; -1 after a message. */
static int s_parse_int(const char *name, const char *text, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < 0 || v > INT_MAX) {
        fprintf(stderr,
                "regie-post: %s: '%s' is not a whole number\n"
                "Try 'regie-post --help' for more information.\n",
                name, text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The long options; --backoff-max, --report and --ping have no short
 * form. */
static const struct option s_longopts[] = {
    {"endpoint", required_argument, NULL, 'e'},
    {"server-key", required_argument, NULL, 's'},
    {"key", required_argument, NULL, 'k'},
    {"timeout", required_argument, NULL, 't'},
    {"attempts", required_argument, NULL, 'a'},
    {"backoff-max", required_argument, NULL, 'b'},
    {"report", no_argument, NULL, 'R'},
    {"ping", no_argument, NULL, 'P'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Handles an option without a value; returns 0, or 1 (exit 0: help,
 * version). */
static int s_flag(args_t *a, int c)
{
    switch (c) {
    case 'R':
        a->command = "REPORT";
        break;
    case 'P':
        a->command = "PING";
        break;
    case 'q':
        a->quiet = true;
        break;
    case 'v':
        a->verbose = true;
        break;
    case 'h':
        fputs(s_usage, stdout);
        return 1;
    case 'V':
        printf("regie-post (regie) %s\n", REGIE_VERSION);
        return 1;
    }
    return 0;
}

/* Handles one option; returns 0, 1 (exit 0: help, version) or -1. */
static int s_option(args_t *a, int c, const char *arg)
{
    switch (c) {
    case 'e':
        a->opts.endpoint = arg;
        return 0;
    case 's':
        a->opts.server_key_file = arg;
        return 0;
    case 'k':
        a->opts.key_file = arg;
        return 0;
    case 't':
        return s_parse_int("--timeout", arg, &a->opts.timeout_ms);
    case 'a':
        return s_parse_int("--attempts", arg, &a->opts.attempts);
    case 'b':
        return s_parse_int("--backoff-max", arg, &a->opts.backoff_max_ms);
    case '?':
        fprintf(stderr, "Try 'regie-post --help' for more information.\n");
        return -1;
    default:
        return s_flag(a, c);
    }
}

/* Reads the command line into a; returns 0, 1 (done) or -1 (usage). */
static int s_parse_args(args_t *a, int argc, char **argv)
{
    adapter_opts_init(&a->opts);
    a->command = "REFERRAL";
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "e:s:k:t:a:qvhV", s_longopts,
                                       NULL)) != -1)
        rc = s_option(a, c, optarg);
    if (rc != 0)
        return rc;
    a->inputs = argv + optind;
    a->inputs_n = argc - optind;
    if (strcmp(a->command, "PING") == 0 && a->inputs_n > 0) {
        fprintf(stderr, "regie-post: --ping takes no files\n");
        return -1;
    }
    char err[256];
    if (adapter_opts_check(&a->opts, err, sizeof err) < 0) {
        fprintf(stderr,
                "regie-post: %s\nTry 'regie-post --help' for more "
                "information.\n",
                err);
        return -1;
    }
    return 0;
}

/* Checks that every input file can be opened before anything is sent. */
static int s_check_inputs(const args_t *a)
{
    for (int i = 0; i < a->inputs_n; i++) {
        if (strcmp(a->inputs[i], "-") == 0 || access(a->inputs[i], R_OK) == 0)
            continue;
        fprintf(stderr, "regie-post: cannot open %s: %s; nothing was sent\n",
                a->inputs[i], strerror(errno));
        return -1;
    }
    return 0;
}

/* A JSON string of text; bytes of text that are not UTF-8 (a file name,
 * say) become '?' rather than losing the whole line. */
static json_t *s_jstr(const char *text)
{
    json_t *j = json_string(text);
    if (j)
        return j;
    char *copy = xstrdup(text);
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c >= 0x80)
            *c = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* Prints a JSON object as one line on stdout and frees it. */
static void s_print(json_t *line)
{
    if (!line || json_dumpf(line, stdout, JSON_COMPACT) != 0)
        fprintf(stderr, "regie-post: cannot write a result line\n");
    else
        fputc('\n', stdout);
    fflush(stdout);
    json_decref(line);
}

/* Prints and counts the result of a record that was sent. */
static void s_report(const char *source, int line, json_t *value,
                     const adapter_result_t *r, counts_t *n)
{
    json_t *ext = json_object_get(value, "external_id");
    json_t *out = json_pack("{s:o, s:i, s:O?}", "source", s_jstr(source),
                            "line", line, "external_id", ext);
    const char *word = r->status == ADAPTER_TEMPORARY ? "TEMPORARY"
                       : r->word[0]                   ? r->word
                                                      : "NACK";
    json_object_set_new(out, "result", json_string(word));
    if (r->reply)
        json_object_set(out, "reply", r->reply);
    if (r->local)
        json_object_set_new(out, "local", json_true());
    if (r->status != ADAPTER_ACK && r->reason)
        json_object_set_new(out, "reason", s_jstr(r->reason));
    s_print(out);
    if (r->status == ADAPTER_ACK) {
        n->acked++;
        const char *st = json_string_value(json_object_get(r->reply, "status"));
        n->duplicates += st && strcmp(st, "duplicate") == 0;
    } else if (r->status == ADAPTER_REFUSED) {
        n->refused++;
        fprintf(stderr, "regie-post: %s:%d: refused: %s\n", source, line,
                r->reason);
    } else {
        n->stopped = true;
        fprintf(stderr, "regie-post: %s:%d: %s: %s\n", source, line,
                r->stopped ? "interrupted" : "temporary failure", r->reason);
    }
}

/* Reports a record that is not a JSON object, without sending it. */
static void s_refuse_local(const char *source, const jsonin_record_t *rec,
                           counts_t *n)
{
    char reason[300];
    snprintf(reason, sizeof reason, "bad_json: %s", rec->error);
    json_t *reply =
        json_pack("{s:s, s:o, s:n, s:b}", "error", "bad_json", "message",
                  s_jstr(rec->error), "field", "retry", 0);
    s_print(json_pack("{s:o, s:i, s:n, s:s, s:o, s:b, s:o}", "source",
                      s_jstr(source), "line", rec->line, "external_id",
                      "result", "NACK", "reply", reply, "local", 1, "reason",
                      s_jstr(reason)));
    n->refused++;
    fprintf(stderr, "regie-post: %s:%d: refused: bad_json: %s (not sent)\n",
            source, rec->line, rec->error);
}

/* Posts every record of one input, until a temporary failure. */
static void s_post_input(const args_t *a, jsonin_t *in, counts_t *n)
{
    const char *source = jsonin_name(in);
    jsonin_record_t rec;
    while (!n->stopped && jsonin_next(in, &rec)) {
        n->records++;
        if (!rec.value) {
            s_refuse_local(source, &rec, n);
        } else {
            adapter_result_t r;
            adapter_send(s_adapter, a->command, rec.text, rec.len, &r);
            s_report(source, rec.line, rec.value, &r, n);
            adapter_result_clear(&r);
        }
        jsonin_record_clear(&rec);
    }
}

/* Posts all inputs in order; stops at the first temporary failure. */
static void s_post_all(const args_t *a, counts_t *n)
{
    static char *stdin_only[] = {"-"};
    char **inputs = a->inputs_n ? a->inputs : stdin_only;
    int count = a->inputs_n ? a->inputs_n : 1;
    for (int i = 0; i < count && !n->stopped; i++) {
        char err[512];
        jsonin_t *in = jsonin_open(inputs[i], err, sizeof err);
        if (!in) {
            fprintf(stderr, "regie-post: %s\n", err);
            n->stopped = true;
            break;
        }
        s_post_input(a, in, n);
        jsonin_destroy(&in);
    }
    if (n->stopped)
        fprintf(stderr, "regie-post: stopped: the records after it were "
                        "not sent; run regie-post again later (acknowledged "
                        "records come back as duplicates)\n");
}

/* Prints the summary line on stderr. */
static void s_summary(const counts_t *n)
{
    fprintf(stderr, "regie-post: %d record%s: %d acknowledged", n->records,
            n->records == 1 ? "" : "s", n->acked);
    if (n->duplicates)
        fprintf(stderr, " (%d duplicate%s)", n->duplicates,
                n->duplicates == 1 ? "" : "s");
    fprintf(stderr, ", %d refused", n->refused);
    if (n->stopped)
        fprintf(stderr, ", stopped at a temporary failure");
    fputc('\n', stderr);
}

/* Sends a PING and prints the PONG. Returns the exit status. */
static int s_ping(const args_t *a)
{
    adapter_result_t r;
    adapter_status_t st = adapter_send(s_adapter, "PING", "", 0, &r);
    json_t *out =
        json_pack("{s:o, s:s}", "endpoint", s_jstr(a->opts.endpoint), "result",
                  st == ADAPTER_TEMPORARY ? "TEMPORARY" : r.word);
    if (r.reply)
        json_object_set(out, "reply", r.reply);
    if (st != ADAPTER_ACK)
        json_object_set_new(out, "reason", s_jstr(r.reason));
    s_print(out);
    if (st != ADAPTER_ACK)
        fprintf(stderr, "regie-post: ping: %s\n", r.reason);
    adapter_result_clear(&r);
    return st == ADAPTER_ACK       ? EX_OK
           : st == ADAPTER_REFUSED ? EX_DATAERR
                                   : EX_TEMPFAIL;
}

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_adapter)
        adapter_stop(s_adapter);
}

/* SIGINT and SIGTERM stop the adapter; a second one ends the program. */
static void s_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sa.sa_flags = SA_RESETHAND; /* no SA_RESTART: a read ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int main(int argc, char **argv)
{
    args_t a;
    memset(&a, 0, sizeof a);
    int rc = s_parse_args(&a, argc, argv);
    if (rc != 0)
        return rc > 0 ? EX_OK : EX_USAGE;
    log_set_prefix(false);
    log_set_level(a.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING);
    if (s_check_inputs(&a) < 0)
        return EX_NOINPUT;
    char err[512];
    s_adapter = adapter_new(&a.opts, err, sizeof err);
    if (!s_adapter) {
        fprintf(stderr, "regie-post: %s; nothing was sent\n", err);
        return EX_NOINPUT;
    }
    s_catch_signals();
    if (strcmp(a.command, "PING") == 0) {
        rc = s_ping(&a);
    } else {
        counts_t n = {0};
        s_post_all(&a, &n);
        if (!a.quiet)
            s_summary(&n);
        rc = n.stopped ? EX_TEMPFAIL : n.refused ? EX_DATAERR : EX_OK;
    }
    adapter_t *ad = s_adapter;
    s_adapter = NULL;
    adapter_destroy(&ad);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "regie-post: cannot write the results: %s\n",
                strerror(errno));
        return rc ? rc : EX_IOERR;
    }
    return rc;
}

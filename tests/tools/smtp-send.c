/*
 * smtp-send — test driver for the smtp module: delivers one mail N times
 * with smtp_deliver and prints one line per attempt, "sent",
 * "temporary: <reason>" or "permanent: <reason>". Exit status 0 when
 * every attempt was sent, 1 when one was not, 2 on a usage error.
 *
 *   smtp-send --host H --port P --sender ADDR --to ADDR --subject S
 *             --message-id ID (--body TEXT | --body-file FILE)
 *             [--tls required|none] [--ca FILE] [--user U] [--timeout MS]
 *             [--helo NAME] [--from ADDR] [--from-name N] [--to-name N]
 *             [--date EPOCH] [--count N] [--session M] [--debug]
 *
 * The AUTH password comes from the environment (SMTP_PASSWORD), not the
 * command line. With --count N > 1, attempt i sends Message-ID "i.ID".
 * With --session M, the N mails go in sessions of at most M mails
 * (smtp_session), and a mail the session did not get to prints
 * "requeue: <reason>" (it is not sent again).
 */
#include "log.h"
#include "mail/smtp.h"
#include "xmem.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_usage =
    "usage: smtp-send --host H --port P --sender ADDR --to ADDR "
    "--subject S --message-id ID\n"
    "                 (--body TEXT | --body-file FILE) [--tls required|none]"
    " [--ca FILE]\n"
    "                 [--user U] [--timeout MS] [--helo NAME] [--from ADDR]"
    " [--from-name N]\n"
    "                 [--to-name N] [--date EPOCH] [--count N]"
    " [--session M] [--debug]\n"
    "(the AUTH password is read from SMTP_PASSWORD)\n";

typedef struct {
    smtp_settings_t set;
    mime_mail_t mail;
    const char *body_file;
    long count;
    int session; /* mails per session; 0: one smtp_deliver each */
} args_t;

/* Reads a whole (small) file into a new string, or NULL. */
static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "smtp-send: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *text = xmalloc(1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static const struct option s_opts[] = {
    {"host", 1, 0, 'h'},      {"port", 1, 0, 'p'},
    {"tls", 1, 0, 'T'},       {"ca", 1, 0, 'c'},
    {"user", 1, 0, 'u'},      {"timeout", 1, 0, 't'},
    {"sender", 1, 0, 's'},    {"helo", 1, 0, 'H'},
    {"from", 1, 0, 'f'},      {"from-name", 1, 0, 'F'},
    {"to", 1, 0, 'r'},        {"to-name", 1, 0, 'R'},
    {"subject", 1, 0, 'S'},   {"message-id", 1, 0, 'm'},
    {"date", 1, 0, 'd'},      {"body", 1, 0, 'b'},
    {"body-file", 1, 0, 'B'}, {"count", 1, 0, 'n'},
    {"debug", 0, 0, 'D'},     {"session", 1, 0, 'M'},
    {0, 0, 0, 0}};

/* Applies one option about the server; 1 if c is not one, -1 if bad. */
static int s_opt_server(args_t *a, int c)
{
    smtp_settings_t *set = &a->set;
    switch (c) {
    case 'h': set->host = optarg; break;
    case 'p': set->port = atoi(optarg); break;
    case 'c': set->ca_file = optarg; break;
    case 'u': set->user = optarg; break;
    case 't': set->timeout_ms = atoi(optarg); break;
    case 's': set->sender = optarg; break;
    case 'H': set->helo = optarg; break;
    case 'T':
        if (strcmp(optarg, "none") == 0)
            set->tls = SMTP_TLS_NONE;
        else if (strcmp(optarg, "required") != 0)
            return -1;
        break;
    default: return 1;
    }
    return 0;
}

/* Applies one option about the mail; -1 if c is not one. */
static int s_opt_mail(args_t *a, int c)
{
    mime_mail_t *m = &a->mail;
    switch (c) {
    case 'f': m->from = optarg; break;
    case 'F': m->from_name = optarg; break;
    case 'r': m->to = optarg; break;
    case 'R': m->to_name = optarg; break;
    case 'S': m->subject = optarg; break;
    case 'm': m->message_id = optarg; break;
    case 'd': m->date = (time_t)atoll(optarg); break;
    case 'b': m->body = optarg; break;
    case 'B': a->body_file = optarg; break;
    case 'n': a->count = atol(optarg); break;
    case 'M': a->session = atoi(optarg); break;
    case 'D': log_set_level(LOG_LEVEL_DEBUG); break;
    default: return -1;
    }
    return 0;
}

/* Fills a from argv; returns 0, or -1 on a usage error. */
static int s_parse(int argc, char **argv, args_t *a)
{
    int c, rc;
    while ((c = getopt_long(argc, argv, "", s_opts, NULL)) != -1) {
        if ((rc = s_opt_server(a, c)) == 1)
            rc = s_opt_mail(a, c);
        if (rc < 0)
            return -1;
    }
    return optind == argc && a->count > 0 ? 0 : -1;
}

/* The Message-ID of mail i (from 1) of a->count; *id frees it. */
static const char *s_id(const args_t *a, long i, char **id)
{
    *id = NULL;
    if (a->count > 1 && a->mail.message_id)
        return *id = xasprintf("%ld.%s", i, a->mail.message_id);
    return a->mail.message_id;
}

/* Prints an outcome; returns 0 when sent. */
static int s_print(const smtp_result_t *r)
{
    if (r->outcome == SMTP_RESULT_SENT)
        printf("sent\n");
    else
        printf("%s: %s\n",
               r->requeue                            ? "requeue"
               : r->outcome == SMTP_RESULT_TEMPORARY ? "temporary"
                                                     : "permanent",
               r->reason);
    fflush(stdout);
    return r->outcome == SMTP_RESULT_SENT ? 0 : -1;
}

/* Delivers once and prints the outcome; returns 0 when sent. */
static int s_send_one(const args_t *a, long i)
{
    mime_mail_t mail = a->mail;
    char *id;
    mail.message_id = s_id(a, i, &id);
    smtp_result_t r;
    smtp_deliver(&a->set, &mail, &r);
    free(id);
    return s_print(&r);
}

/* The feed of --session: the count mails in turn. */
typedef struct {
    const args_t *a;
    long given;         /* mails given so far */
    char **ids;         /* their Message-IDs */
    smtp_result_t *res; /* their outcomes */
} s_feed_t;

static bool s_next(void *arg, int wait_ms, mime_mail_t *mail, void **tag)
{
    s_feed_t *f = arg;
    (void)wait_ms;
    if (f->given == f->a->count)
        return false;
    *mail = f->a->mail;
    mail->message_id = s_id(f->a, f->given + 1, &f->ids[f->given]);
    *tag = (void *)(intptr_t)f->given++;
    return true;
}

static void s_done(void *arg, void *tag, const smtp_result_t *r)
{
    s_feed_t *f = arg;
    f->res[(intptr_t)tag] = *r;
}

/* Sends the mails in sessions of a->session; returns how many failed. */
static int s_sessions(args_t *a)
{
    s_feed_t f = {.a = a,
                  .ids = xcalloc((size_t)a->count, sizeof *f.ids),
                  .res = xcalloc((size_t)a->count, sizeof *f.res)};
    smtp_feed_t feed = {.next = s_next, .done = s_done, .arg = &f};
    a->set.max_per_session = a->session;
    while (f.given < a->count)
        smtp_session(&a->set, &feed, NULL);
    int failed = 0;
    for (long i = 0; i < a->count; i++) {
        failed += s_print(&f.res[i]) != 0;
        free(f.ids[i]);
    }
    free(f.ids);
    free(f.res);
    return failed;
}

int main(int argc, char **argv)
{
    args_t a = {.count = 1, .mail.date = time(NULL)};
    log_set_prefix(false);
    log_set_level(LOG_LEVEL_WARNING);
    if (s_parse(argc, argv, &a) < 0 ||
        (a.body_file == NULL) == (a.mail.body == NULL)) {
        fputs(s_usage, stderr);
        return 2;
    }
    a.set.password = getenv("SMTP_PASSWORD");
    char *body = NULL;
    if (a.body_file && !(a.mail.body = body = s_slurp(a.body_file)))
        return 2;
    int failed = 0;
    if (a.session > 0)
        failed = s_sessions(&a);
    else
        for (long i = 1; i <= a.count; i++)
            failed |= s_send_one(&a, i) != 0;
    free(body);
    return failed ? 1 : 0;
}

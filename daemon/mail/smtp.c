/*
 * smtp — sessions of libesmtp that carry many mails (see smtp.h): each
 * mail is added to the running session from libesmtp's event callback,
 * one ahead of the one being sent, so that libesmtp finds it when it
 * looks for a next message (after MAIL FROM was answered, and after the
 * reply to the data). Each outcome is made from what libesmtp and the
 * watch saw (smtpwatch) and reported at once. Sender thread.
 */
#include "smtp.h"

#include "clock.h"
#include "log.h"
#include "smtpwatch.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* One mail of a session. */
typedef struct {
    void *tag;             /* the feed's name for it */
    char *text;            /* the message; lives as long as the session */
    smtp_message_t msg;    /* libesmtp's */
    smtp_recipient_t rcpt; /* its one recipient */
    bool data;             /* its data began to go out */
    bool done;             /* its outcome was reported */
} s_mail_t;

/* A session in progress, on smtp_session's stack. */
typedef struct {
    const smtp_settings_t *set;
    const smtp_feed_t *feed;
    smtpcut_t *cut;      /* NULL: none */
    smtp_session_t s;    /* libesmtp's */
    SSL_CTX *ctx;        /* NULL without TLS */
    auth_context_t auth; /* NULL without AUTH */
    smtpwatch_t w;       /* what the session saw */
    s_mail_t *mails;     /* in the order libesmtp sends them */
    int n, cap;          /* mails taken, room */
    int max;             /* most mails in the session */
    int64_t end_ms;      /* no mail is begun after (clock_mono_ms) */
    bool worked;         /* a MAIL FROM was accepted */
    bool sent;           /* a mail was accepted */
} s_run_t;

/* ---- Setting up ---------------------------------------------------- */

/* Checks the settings; fills r and returns -1 when they cannot work. */
static int s_check_settings(const smtp_settings_t *set, smtp_result_t *r)
{
    const char *bad = NULL;
    if (!set->host || !*set->host || strlen(set->host) > 253 ||
        strpbrk(set->host, ": \t\r\n"))
        bad = "invalid host";
    else if (set->port < 0 || set->port > 65535)
        bad = "invalid port";
    else if (!mime_addr_valid(set->sender))
        bad = "invalid sender address";
    else if (set->user && !set->password)
        bad = "AUTH user without password";
    if (!bad)
        return 0;
    smtpwatch_result(r, SMTP_RESULT_PERMANENT, true, 0, "settings: %s", bad);
    return -1;
}

/* A client SSL_CTX that verifies the peer against the CA file (or the
 * system's paths) and host, and reports to w. NULL with r filled when
 * it cannot be made. */
static SSL_CTX *s_tls_context(const smtp_settings_t *set, smtpwatch_t *w,
                              smtp_result_t *r)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    unsigned char ip[16];
    /* TLS 1.2 only: libesmtp 1.1 reads when a TLS 1.3 server's session
     * tickets arrive before it has flushed EHLO, and then waits for a
     * reply to a command it never sent until the timeout (seen on
     * loopback, about one session in five). */
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION)) {
        smtpwatch_result(r, SMTP_RESULT_TEMPORARY, true, 0,
                         "cannot set up TLS");
        goto fail;
    }
    int ok = set->ca_file
                 ? SSL_CTX_load_verify_locations(ctx, set->ca_file, NULL)
                 : SSL_CTX_set_default_verify_paths(ctx);
    if (!ok) {
        smtpwatch_result(r, SMTP_RESULT_PERMANENT, true, 0,
                         "cannot load CA file %s",
                         set->ca_file ? set->ca_file : "(system default)");
        goto fail;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, smtpwatch_verify);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool is_ip = inet_pton(AF_INET, set->host, ip) == 1 ||
                 inet_pton(AF_INET6, set->host, ip) == 1;
    ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, set->host)
               : X509_VERIFY_PARAM_set1_host(param, set->host, 0);
    if (!ok || !SSL_CTX_set_app_data(ctx, w)) {
        smtpwatch_result(r, SMTP_RESULT_PERMANENT, true, 0, "bad host name %s",
                         set->host);
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
}

/* libesmtp's AUTH interaction: the user and password of the settings. */
static int s_interact(auth_client_request_t req, char **result, int fields,
                      void *arg)
{
    const smtp_settings_t *set = arg;
    for (int i = 0; i < fields; i++) {
        if (req[i].flags & AUTH_USER)
            result[i] = (char *)set->user;
        else if (req[i].flags & AUTH_PASS)
            result[i] = (char *)set->password;
        else
            result[i] = NULL;
        if ((req[i].flags & (AUTH_USER | AUTH_PASS)) && !result[i])
            return 0;
    }
    return 1;
}

/* An AUTH context for the settings' user, or NULL when there is none.
 * Plain-text mechanisms (PLAIN, LOGIN) only inside TLS. */
static auth_context_t s_auth_context(const smtp_settings_t *set)
{
    if (!set->user)
        return NULL;
    auth_context_t a = auth_create_context();
    if (!a)
        return NULL;
    unsigned plain = set->tls == SMTP_TLS_REQUIRED ? AUTH_PLUGIN_PLAIN : 0;
    if (!auth_set_mechanism_flags(a, plain, 0) ||
        !auth_set_interact_cb(a, s_interact, (void *)set)) {
        auth_destroy_context(a);
        return NULL;
    }
    return a;
}

/* Sets every timeout of a session to ms (libesmtp's floor is 1 s). */
static int s_timeouts(smtp_session_t s, long ms)
{
    static const int which[] = {Timeout_GREETING, Timeout_ENVELOPE,
                                Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2};
    for (size_t i = 0; i < sizeof which / sizeof which[0]; i++)
        if (smtp_set_timeout(s, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
                             ms) <= 0)
            return -1;
    return 0;
}

/* ---- The session --------------------------------------------------- */

/* Configures the session of r. Returns 0 or -1 (a libesmtp call
 * failed). */
static int s_setup(s_run_t *r, smtp_eventcb_t event)
{
    const smtp_settings_t *set = r->set;
    char hostport[300];
    int port = set->port > 0 ? set->port : SMTP_DEFAULT_PORT;
    long ms = set->timeout_ms > 0 ? set->timeout_ms : SMTP_DEFAULT_TIMEOUT_MS;
    snprintf(hostport, sizeof hostport, "%s:%d", set->host, port);
    if (!smtp_set_server(r->s, hostport) ||
        (set->helo && !smtp_set_hostname(r->s, set->helo)) ||
        s_timeouts(r->s, ms) < 0 || !smtp_set_eventcb(r->s, event, r) ||
        !smtp_set_monitorcb(r->s, smtpwatch_monitor, &r->w, 0))
        return -1;
    if (r->ctx) {
        if (!smtp_starttls_enable(r->s, Starttls_REQUIRED) ||
            !smtp_starttls_set_ctx(r->s, r->ctx))
            return -1;
    } else if (!smtp_starttls_enable(r->s, Starttls_DISABLED)) {
        return -1;
    }
    if (r->auth && !smtp_auth_set_context(r->s, r->auth))
        return -1;
    return 0;
}

/* Reports the outcome of mail k, once. */
static void s_report(s_run_t *r, int k, const smtp_result_t *res)
{
    s_mail_t *m = &r->mails[k];
    if (m->done)
        return;
    m->done = true;
    if (res->outcome == SMTP_RESULT_SENT)
        r->sent = true;
    log_debug("smtp: %s host=%s mail=%d code=%d%s",
              res->outcome == SMTP_RESULT_SENT ? "sent" : "not_sent",
              r->set->host, k + 1, res->code,
              res->requeue ? " requeue=yes" : "");
    r->feed->done(r->feed->arg, m->tag, res);
}

/* Makes and reports the outcome of mail k from what the session saw
 * (started: what smtp_start_session returned, 1 while it runs). */
static void s_finish(s_run_t *r, int k, int started)
{
    s_mail_t *m = &r->mails[k];
    smtp_result_t res;
    memset(&res, 0, sizeof res);
    smtpwatch_classify(&r->w, started, m->msg, m->rcpt, &res);
    bool cut = r->cut && smtpcut_fired(r->cut);
    /* No reply decided it and the server has not got it (no data), on a
     * connection that had worked or that we cut: not an attempt. */
    if (res.outcome != SMTP_RESULT_SENT && res.code == 0 &&
        ((!m->data && r->worked) || cut)) {
        res.requeue = true;
        if (cut)
            smtpwatch_result(&res, SMTP_RESULT_TEMPORARY, true, 0,
                             "abandoned: the sender is stopping");
    }
    s_report(r, k, &res);
}

/* Adds mail to the session. Returns 0, or -1 (not added) with *res
 * filled when it cannot be. */
static int s_add(s_run_t *r, const mime_mail_t *mail, void *tag,
                 smtp_result_t *res)
{
    char err[128];
    mime_mail_t m = *mail;
    if (!m.from)
        m.from = r->set->sender;
    char *text = mime_compose(&m, err, sizeof err);
    if (!text) {
        smtpwatch_result(res, SMTP_RESULT_PERMANENT, false, 0,
                         "invalid message: %s", err);
        return -1;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->mails = xrealloc(r->mails, (size_t)r->cap * sizeof *r->mails);
    }
    s_mail_t *sm = &r->mails[r->n];
    *sm = (s_mail_t){.tag = tag, .text = text};
    r->n++; /* the text is the session's now, whatever happens */
    sm->msg = smtp_add_message(r->s);
    if (!sm->msg || !smtp_set_reverse_path(sm->msg, r->set->sender) ||
        !smtp_set_message_str(sm->msg, text) ||
        !(sm->rcpt = smtp_add_recipient(sm->msg, m.to))) {
        smtpwatch_result(res, SMTP_RESULT_TEMPORARY, false, 0,
                         "cannot add the message to the libesmtp session");
        sm->done = true; /* reported by the caller */
        return -1;
    }
    /* Its number, not memory: no release. */
    smtp_message_set_application_data_release(sm->msg, (void *)(intptr_t)r->n,
                                              NULL);
    return 0;
}

/* Takes the next mail of the feed into the session, waiting up to
 * wait_ms, unless the session has taken its last. Returns true when one
 * was added. */
static bool s_take(s_run_t *r, int wait_ms)
{
    for (;;) {
        int64_t left = r->end_ms - clock_mono_ms();
        if (r->n >= r->max || left <= 0 || (r->cut && smtpcut_fired(r->cut)))
            return false;
        mime_mail_t mail;
        void *tag;
        if (!r->feed->next(r->feed->arg, wait_ms < left ? wait_ms : (int)left,
                           &mail, &tag))
            return false;
        smtp_result_t res;
        memset(&res, 0, sizeof res);
        if (s_add(r, &mail, tag, &res) == 0)
            return true;
        r->feed->done(r->feed->arg, tag, &res); /* and the next one */
    }
}

/* The index of message msg of the session, or -1. */
static int s_index(s_run_t *r, smtp_message_t msg)
{
    intptr_t k = (intptr_t)smtp_message_get_application_data(msg);
    return k >= 1 && k <= r->n ? (int)k - 1 : -1;
}

/* libesmtp answered MAIL FROM of msg: a refusal is its outcome; the
 * next mail is made ready for when libesmtp looks for one. */
static void s_on_mail_status(s_run_t *r, smtp_message_t msg)
{
    int k = s_index(r, msg);
    const smtp_status_t *st = smtp_reverse_path_status(msg);
    if (k < 0)
        return;
    if (st && st->code >= 200 && st->code < 300)
        r->worked = true;
    else
        s_finish(r, k, 1);
    if (k == r->n - 1)
        s_take(r, 0);
}

/* libesmtp is done with msg: its outcome; after its data was answered,
 * a next mail when it is the last, waiting for one a while. */
static void s_on_sent(s_run_t *r, smtp_message_t msg)
{
    int k = s_index(r, msg);
    if (k < 0)
        return;
    s_finish(r, k, 1);
    if (k == r->n - 1 && r->mails[k].data)
        s_take(r, SMTP_IDLE_MS);
}

/* libesmtp's event callback: the session's own events, then the
 * watch's. Runs with cancellation off (it may wait on the feed). */
static void s_event(smtp_session_t session, int event, void *arg, ...)
{
    s_run_t *r = arg;
    int cancel, k;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
    va_list ap;
    va_start(ap, arg);
    switch (event) {
    case SMTP_EV_CONNECT:
        if (r->cut)
            smtpcut_connected(r->cut, r->set->port > 0 ? r->set->port
                                                       : SMTP_DEFAULT_PORT);
        break;
    case SMTP_EV_MAILSTATUS:
        (void)va_arg(ap, const char *);
        s_on_mail_status(r, va_arg(ap, smtp_message_t));
        break;
    case SMTP_EV_MESSAGEDATA:
        if ((k = s_index(r, va_arg(ap, smtp_message_t))) >= 0)
            r->mails[k].data = true;
        break;
    case SMTP_EV_MESSAGESENT:
        s_on_sent(r, va_arg(ap, smtp_message_t));
        break;
    default:
        smtpwatch_event(&r->w, event, ap);
    }
    va_end(ap);
    pthread_setcancelstate(cancel, NULL);
}

/* Frees the session of r and its mails' texts (also as the cleanup
 * handler of a cancelled thread). */
static void s_free(void *arg)
{
    s_run_t *r = arg;
    if (r->s && !smtp_destroy_session(r->s))
        log_warn("smtp: cannot destroy session");
    r->s = NULL;
    if (r->auth && !auth_destroy_context(r->auth))
        log_warn("smtp: cannot destroy auth context");
    r->auth = NULL;
    SSL_CTX_free(r->ctx);
    r->ctx = NULL;
    for (int i = 0; i < r->n; i++)
        free(r->mails[i].text);
    free(r->mails);
    r->mails = NULL;
    r->n = r->cap = 0;
    if (r->cut)
        smtpcut_release(r->cut);
    ERR_clear_error();
}

/* Runs libesmtp's session, cancellable while it does (see smtp.h), with
 * SIGPIPE held off: a write to a connection the server closed fails
 * with EPIPE instead of ending the process. Returns what
 * smtp_start_session returned. */
static int s_start(s_run_t *r)
{
    sigset_t pipe, old;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    int cancel, started;
    ERR_clear_error();
    pthread_cleanup_push(s_free, r);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &cancel);
    started = smtp_start_session(r->s);
    pthread_setcancelstate(cancel, NULL);
    pthread_cleanup_pop(0);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe, NULL, &zero) > 0) /* the EPIPEs' signals */
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started;
}

/* Makes the session of r (TLS, AUTH, its settings). Returns 0, or -1
 * with res filled. */
static int s_make(s_run_t *r, smtp_result_t *res)
{
    const smtp_settings_t *set = r->set;
    if (set->tls == SMTP_TLS_REQUIRED &&
        !(r->ctx = s_tls_context(set, &r->w, res)))
        return -1;
    r->auth = s_auth_context(set);
    r->s = smtp_create_session();
    if (!r->s || (set->user && !r->auth) || s_setup(r, s_event) < 0) {
        smtpwatch_result(res, SMTP_RESULT_TEMPORARY, true, 0,
                         "cannot set up the libesmtp session");
        return -1;
    }
    return 0;
}

/* Reports res, a failure of the session before it began, as the
 * outcome of the feed's next mail (the others wait for a next session).
 * Returns the number of mails taken (0 or 1). */
static int s_fail_next(s_run_t *r, const smtp_result_t *res)
{
    mime_mail_t mail;
    void *tag;
    if (!r->feed->next(r->feed->arg, 0, &mail, &tag))
        return 0;
    r->feed->done(r->feed->arg, tag, res);
    return 1;
}

int smtp_session(const smtp_settings_t *settings, const smtp_feed_t *feed,
                 smtpcut_t *cut)
{
    s_run_t r = {.set = settings, .feed = feed, .cut = cut};
    smtpwatch_init(&r.w, settings->host);
    r.max = settings->max_per_session > 0 ? settings->max_per_session
                                          : SMTP_DEFAULT_MAX_PER_SESSION;
    r.end_ms =
        clock_mono_ms() + (settings->session_ms > 0 ? settings->session_ms
                                                    : SMTP_DEFAULT_SESSION_MS);
    smtp_result_t res;
    memset(&res, 0, sizeof res);
    int failed = 0;
    if (s_check_settings(settings, &res) < 0 || s_make(&r, &res) < 0) {
        failed = s_fail_next(&r, &res);
    } else if (s_take(&r, 0)) {
        int started = s_start(&r);
        for (int k = 0; k < r.n; k++)
            if (!r.mails[k].done)
                s_finish(&r, k, started);
    }
    if (r.sent && settings->user && !r.w.authenticated)
        log_warn("smtp: sent without authentication host=%s auth=%s",
                 settings->host, r.w.auth_tried ? "rejected" : "not offered");
    log_debug("smtp: session host=%s mails=%d tls=%s auth=%s pipelined=%d",
              settings->host, r.n, r.w.tls_ok ? "yes" : "no",
              r.w.authenticated ? "yes" : "no", r.w.pipelined);
    int n = r.n + failed;
    s_free(&r);
    return n;
}

/* ---- One mail ------------------------------------------------------- */

/* The feed of smtp_deliver: one mail, one result. */
typedef struct {
    const mime_mail_t *mail; /* NULL once given */
    smtp_result_t *result;
} s_one_t;

static bool s_one_next(void *arg, int wait_ms, mime_mail_t *mail, void **tag)
{
    s_one_t *o = arg;
    (void)wait_ms;
    if (!o->mail)
        return false;
    *mail = *o->mail;
    *tag = NULL;
    o->mail = NULL;
    return true;
}

static void s_one_done(void *arg, void *tag, const smtp_result_t *result)
{
    (void)tag;
    *((s_one_t *)arg)->result = *result;
}

int smtp_deliver(const smtp_settings_t *settings, const mime_mail_t *mail,
                 smtp_result_t *result)
{
    memset(result, 0, sizeof *result);
    s_one_t one = {.mail = mail, .result = result};
    smtp_feed_t feed = {.next = s_one_next, .done = s_one_done, .arg = &one};
    smtp_session(settings, &feed, NULL);
    return result->outcome == SMTP_RESULT_SENT ? 0 : -1;
}

/*
 * smtp — one notification email through libesmtp per call: the message
 * text from mime, one session with its own SSL_CTX and AUTH context, and
 * a result made of what libesmtp and its callbacks saw. No state
 * outlives a call; used by the sender thread.
 */
#include "smtp.h"

#include "log.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Order matters: libesmtp.h needs size_t, declares smtp_starttls_set_ctx
 * only after <openssl/ssl.h>, smtp_auth_set_context after auth-client.h. */
/* clang-format off */
#include <stddef.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <auth-client.h>
#include <libesmtp.h>
/* clang-format on */

#define S_TEXT_LEN 160

/* ---- What a session saw -------------------------------------------- */

/* Observations of one delivery, filled by libesmtp's event and monitor
 * callbacks and OpenSSL's verify callback; lives on smtp_deliver's
 * stack. */
typedef struct {
    const char *host;          /* the server's name, for reasons */
    bool tls_ok;               /* the STARTTLS handshake completed */
    char tls_fail[S_TEXT_LEN]; /* why TLS refused the server, or "" */
    bool no_starttls;          /* required but not offered */
    char verb[12];             /* the last command written */
    bool in_auth;              /* inside an AUTH exchange (334) */
    bool auth_tried;           /* an AUTH command was written */
    bool authenticated;        /* the server answered 235 */
    int auth_code;             /* the last AUTH failure, 0: none */
    char auth_text[S_TEXT_LEN];
    int early_code;      /* a failure before MAIL FROM, 0: none */
    char early_verb[12]; /* its command; "" for the greeting */
    char early_text[S_TEXT_LEN];
    char line[512]; /* the reply line being read */
    size_t line_len;
} watch_t;

/* Copies a server's or a certificate's text as one printable line:
 * line breaks become spaces, trailing space goes, other bytes outside
 * printable ASCII become '?'. */
static void s_copy_text(char *out, size_t len, const char *s)
{
    size_t n = 0;
    for (; s && *s && n + 1 < len; s++)
        out[n++] = (*s >= ' ' && *s <= '~')     ? *s
                   : (*s == '\r' || *s == '\n') ? ' '
                                                : '?';
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void s_tls_fail(watch_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first reason TLS refused the server; later ones follow
 * from it. */
static void s_tls_fail(watch_t *w, const char *fmt, ...)
{
    if (w->tls_fail[0])
        return;
    char tmp[S_TEXT_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    s_copy_text(w->tls_fail, sizeof w->tls_fail, tmp);
}

/* OpenSSL's verify callback: notes why, never changes the verdict. */
static int s_verify(int ok, X509_STORE_CTX *store)
{
    if (ok)
        return ok;
    SSL *ssl =
        X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    watch_t *w = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
    int err = X509_STORE_CTX_get_error(store);
    if (w && err == X509_V_ERR_HOSTNAME_MISMATCH)
        s_tls_fail(w, "certificate is not for %s", w->host);
    else if (w)
        s_tls_fail(w, "certificate not trusted: %s",
                   X509_verify_cert_error_string(err));
    return ok;
}

/* libesmtp's event callback. Every event that offers an "ok" or
 * "quit_now" flag is left at libesmtp's safe default: refuse, quit. */
static void s_event(smtp_session_t session, int event, void *arg, ...)
{
    watch_t *w = arg;
    va_list ap;
    va_start(ap, arg);
    switch (event) {
    case SMTP_EV_EXTNA_STARTTLS:
        w->no_starttls = true;
        break;
    case SMTP_EV_STARTTLS_OK:
        w->tls_ok = true;
        break;
    case SMTP_EV_INVALID_PEER_CERTIFICATE:
        s_tls_fail(w, "certificate not trusted: %s",
                   X509_verify_cert_error_string(va_arg(ap, long)));
        break;
    case SMTP_EV_NO_PEER_CERTIFICATE:
        s_tls_fail(w, "server sent no certificate");
        break;
    case SMTP_EV_WRONG_PEER_CERTIFICATE: {
        (void)va_arg(ap, int *);
        const char *name = va_arg(ap, const char *);
        s_tls_fail(w, "certificate is for %s, not %s",
                   name && *name ? name : "another name", w->host);
        break;
    }
    case SMTP_EV_WEAK_CIPHER:
        s_tls_fail(w, "weak cipher (%d bits)", va_arg(ap, int));
        break;
    case SMTP_EV_NO_CLIENT_CERTIFICATE:
    case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
    case SMTP_EV_UNUSABLE_CA_LIST:
        s_tls_fail(w, "unusable certificate files under "
                      "~/.authenticate (libesmtp)");
        break;
    default:
        break;
    }
    va_end(ap);
}

/* Notes the verb of the last command in a buffer libesmtp writes. A
 * line written inside an AUTH exchange is a SASL answer: skipped. */
static void s_watch_write(watch_t *w, const char *buf, size_t len)
{
    if (w->in_auth)
        return;
    size_t start = 0, n = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == '\n')
            start = i + 1;
    while (start + n < len && n + 1 < sizeof w->verb &&
           isalpha((unsigned char)buf[start + n])) {
        w->verb[n] = (char)toupper((unsigned char)buf[start + n]);
        n++;
    }
    w->verb[n] = '\0';
    if (strcmp(w->verb, "AUTH") == 0)
        w->auth_tried = true;
}

/* Notes the last line of one reply (in w->line). */
static void s_watch_reply(watch_t *w)
{
    const char *l = w->line;
    if (w->line_len < 3 || !isdigit((unsigned char)l[0]) ||
        !isdigit((unsigned char)l[1]) || !isdigit((unsigned char)l[2]) ||
        l[3] == '-')
        return;
    int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
    const char *text = l[3] ? l + 4 : "";
    if (strcmp(w->verb, "AUTH") == 0) {
        w->in_auth = code == 334;
        if (code == 235) {
            w->authenticated = true;
            w->auth_code = 0;
        } else if (code >= 400) {
            w->auth_code = code;
            s_copy_text(w->auth_text, sizeof w->auth_text, text);
        }
    } else if (code >= 400 && !w->early_code &&
               (!w->verb[0] || !strcmp(w->verb, "EHLO") ||
                !strcmp(w->verb, "HELO") || !strcmp(w->verb, "STARTTLS"))) {
        w->early_code = code;
        snprintf(w->early_verb, sizeof w->early_verb, "%s", w->verb);
        s_copy_text(w->early_text, sizeof w->early_text, text);
    }
}

/* libesmtp's protocol monitor: the commands written (never their
 * arguments) and the server's replies, for what the statuses lack. */
static void s_monitor(const char *buf, int len, int writing, void *arg)
{
    watch_t *w = arg;
    if (len <= 0)
        return;
    if (writing == SMTP_CB_WRITING) {
        s_watch_write(w, buf, (size_t)len);
        return;
    }
    if (writing != SMTP_CB_READING)
        return;
    for (int i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            w->line[w->line_len] = '\0';
            s_watch_reply(w);
            w->line_len = 0;
        } else if (buf[i] != '\r' && w->line_len + 1 < sizeof w->line) {
            w->line[w->line_len++] = buf[i];
        }
    }
}

/* ---- Results -------------------------------------------------------- */

static void s_result(smtp_result_t *r, smtp_outcome_t outcome, bool all,
                     int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void s_result(smtp_result_t *r, smtp_outcome_t outcome, bool all,
                     int code, const char *fmt, ...)
{
    char tmp[SMTP_REASON_LEN];
    va_list ap;
    r->outcome = outcome;
    r->affects_all = all;
    r->code = code;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    s_copy_text(r->reason, sizeof r->reason, tmp);
}

/* The outcome an SMTP reply code stands for. */
static smtp_outcome_t s_by_code(int code)
{
    return code >= 500 ? SMTP_RESULT_PERMANENT : SMTP_RESULT_TEMPORARY;
}

/* A failed reply from libesmtp's statuses, or NULL. */
static const smtp_status_t *s_failed(const smtp_status_t *st)
{
    return st && st->code >= 400 ? st : NULL;
}

/* Why a session ended without a reply to explain it: a broken TLS
 * handshake (libesmtp's only "client error"), whose first OpenSSL error
 * tells why, or libesmtp's error (errno or resolver). A server that
 * speaks no TLS version we offer is PERMANENT: no retry will change
 * that. */
static void s_no_reply(smtp_result_t *r)
{
    char buf[160];
    int err = smtp_errno();
    if (err == SMTP_ERR_CLIENT_ERROR) {
        unsigned long e = ERR_peek_error();
        const char *why = e ? ERR_reason_error_string(e) : NULL;
        int reason = ERR_GET_REASON(e);
        bool version = e && (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
                             reason == SSL_R_UNSUPPORTED_PROTOCOL ||
                             reason == SSL_R_NO_PROTOCOLS_AVAILABLE);
        s_result(r, version ? SMTP_RESULT_PERMANENT : SMTP_RESULT_TEMPORARY,
                 true, 0, "TLS handshake failed: %s",
                 why ? why : "connection closed");
        return;
    }
    if (!smtp_strerror(err, buf, sizeof buf))
        snprintf(buf, sizeof buf, "error %d", err);
    s_result(r, SMTP_RESULT_TEMPORARY, true, 0, "no delivery: %s", buf);
}

/* Explains a failure that happened before or at MAIL FROM, when there
 * is one to explain. Returns true when it filled r. */
static bool s_session_failure(const watch_t *w, smtp_message_t msg,
                              smtp_result_t *r)
{
    const smtp_status_t *st = s_failed(smtp_reverse_path_status(msg));
    if (w->tls_fail[0])
        s_result(r, SMTP_RESULT_PERMANENT, true, 0, "%s", w->tls_fail);
    else if (w->no_starttls)
        s_result(r, SMTP_RESULT_PERMANENT, true, 0,
                 "%s does not offer STARTTLS, which is required", w->host);
    else if (w->auth_code && !w->authenticated)
        s_result(r, s_by_code(w->auth_code), true, w->auth_code,
                 "authentication rejected: %d %s", w->auth_code, w->auth_text);
    else if (w->early_code)
        s_result(r, s_by_code(w->early_code), true, w->early_code,
                 "%s refused: %d %s",
                 w->early_verb[0] ? w->early_verb : "greeting", w->early_code,
                 w->early_text);
    else if (st)
        s_result(r, s_by_code(st->code), true, st->code,
                 "sender refused: %d %s", st->code, st->text);
    else
        return false;
    return true;
}

/* Fills r from what the session did with one message and recipient. */
static void s_classify(const watch_t *w, int started, smtp_message_t msg,
                       smtp_recipient_t rcpt, smtp_result_t *r)
{
    const smtp_status_t *m = smtp_message_transfer_status(msg);
    const smtp_status_t *rc = s_failed(smtp_recipient_status(rcpt));
    if (m && m->code >= 200 && m->code < 300 && !rc) {
        s_result(r, SMTP_RESULT_SENT, false, m->code, "%s", "");
        return;
    }
    if (s_session_failure(w, msg, r))
        return;
    if (rc)
        s_result(r, s_by_code(rc->code), false, rc->code,
                 "recipient refused: %d %s", rc->code, rc->text);
    else if ((m = s_failed(m)))
        s_result(r, s_by_code(m->code), false, m->code,
                 "message refused: %d %s", m->code, m->text);
    else if (!started || smtp_errno())
        s_no_reply(r);
    else
        s_result(r, SMTP_RESULT_TEMPORARY, true, 0,
                 "the server ended the session without an answer");
}

/* ---- Session -------------------------------------------------------- */

/* A client SSL_CTX that verifies the peer against the CA file (or the
 * system's paths) and host, and reports to w. NULL with r filled when
 * it cannot be made. */
static SSL_CTX *s_tls_context(const smtp_settings_t *set, watch_t *w,
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
        s_result(r, SMTP_RESULT_TEMPORARY, true, 0, "cannot set up TLS");
        goto fail;
    }
    int ok = set->ca_file
                 ? SSL_CTX_load_verify_locations(ctx, set->ca_file, NULL)
                 : SSL_CTX_set_default_verify_paths(ctx);
    if (!ok) {
        s_result(r, SMTP_RESULT_PERMANENT, true, 0, "cannot load CA file %s",
                 set->ca_file ? set->ca_file : "(system default)");
        goto fail;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, s_verify);
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    bool is_ip = inet_pton(AF_INET, set->host, ip) == 1 ||
                 inet_pton(AF_INET6, set->host, ip) == 1;
    ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, set->host)
               : X509_VERIFY_PARAM_set1_host(param, set->host, 0);
    if (!ok || !SSL_CTX_set_app_data(ctx, w)) {
        s_result(r, SMTP_RESULT_PERMANENT, true, 0, "bad host name %s",
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

/* Configures a new session. Returns 0 or -1 (a libesmtp call failed). */
static int s_setup(smtp_session_t s, const smtp_settings_t *set, watch_t *w,
                   SSL_CTX *ctx, auth_context_t auth)
{
    char hostport[300];
    int port = set->port > 0 ? set->port : SMTP_DEFAULT_PORT;
    long ms = set->timeout_ms > 0 ? set->timeout_ms : SMTP_DEFAULT_TIMEOUT_MS;
    snprintf(hostport, sizeof hostport, "%s:%d", set->host, port);
    if (!smtp_set_server(s, hostport) ||
        (set->helo && !smtp_set_hostname(s, set->helo)) ||
        s_timeouts(s, ms) < 0 || !smtp_set_eventcb(s, s_event, w) ||
        !smtp_set_monitorcb(s, s_monitor, w, 0))
        return -1;
    if (ctx) {
        if (!smtp_starttls_enable(s, Starttls_REQUIRED) ||
            !smtp_starttls_set_ctx(s, ctx))
            return -1;
    } else if (!smtp_starttls_enable(s, Starttls_DISABLED)) {
        return -1;
    }
    if (auth && !smtp_auth_set_context(s, auth))
        return -1;
    return 0;
}

/* Adds the message and its one recipient; text must outlive s. */
static int s_add_message(smtp_session_t s, const char *sender, const char *to,
                         const char *text, smtp_message_t *msg,
                         smtp_recipient_t *rcpt)
{
    *msg = smtp_add_message(s);
    if (!*msg || !smtp_set_reverse_path(*msg, sender) ||
        !smtp_set_message_str(*msg, (void *)text))
        return -1;
    *rcpt = smtp_add_recipient(*msg, to);
    return *rcpt ? 0 : -1;
}

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
    s_result(r, SMTP_RESULT_PERMANENT, true, 0, "settings: %s", bad);
    return -1;
}

/* Runs one session for text; fills r. */
static void s_session(const smtp_settings_t *set, const char *to,
                      const char *text, watch_t *w, smtp_result_t *r)
{
    SSL_CTX *ctx = NULL;
    auth_context_t auth = s_auth_context(set);
    smtp_session_t s = smtp_create_session();
    smtp_message_t msg;
    smtp_recipient_t rcpt;
    if (set->tls == SMTP_TLS_REQUIRED && !(ctx = s_tls_context(set, w, r)))
        goto done;
    if (!s || (set->user && !auth) || s_setup(s, set, w, ctx, auth) < 0 ||
        s_add_message(s, set->sender, to, text, &msg, &rcpt) < 0) {
        s_result(r, SMTP_RESULT_TEMPORARY, true, 0,
                 "cannot set up the libesmtp session");
        goto done;
    }
    ERR_clear_error();
    int started = smtp_start_session(s);
    s_classify(w, started, msg, rcpt, r);
    if (r->outcome == SMTP_RESULT_SENT && set->user && !w->authenticated)
        log_warn("smtp: sent without authentication host=%s auth=%s", set->host,
                 w->auth_tried ? "rejected" : "not offered");
done:
    if (s && !smtp_destroy_session(s))
        log_warn("smtp: cannot destroy session");
    if (auth && !auth_destroy_context(auth))
        log_warn("smtp: cannot destroy auth context");
    SSL_CTX_free(ctx);
    ERR_clear_error();
}

int smtp_deliver(const smtp_settings_t *settings, const mime_mail_t *mail,
                 smtp_result_t *result)
{
    char err[128];
    memset(result, 0, sizeof *result);
    if (s_check_settings(settings, result) < 0)
        return -1;
    mime_mail_t m = *mail;
    if (!m.from)
        m.from = settings->sender;
    char *text = mime_compose(&m, err, sizeof err);
    if (!text) {
        s_result(result, SMTP_RESULT_PERMANENT, false, 0, "invalid message: %s",
                 err);
        return -1;
    }
    watch_t w = {.host = settings->host};
    s_session(settings, m.to, text, &w, result);
    free(text);
    log_debug("smtp: %s host=%s code=%d tls=%s auth=%s",
              result->outcome == SMTP_RESULT_SENT ? "sent" : "not_sent",
              settings->host, result->code, w.tls_ok ? "yes" : "no",
              w.authenticated ? "yes" : "no");
    return result->outcome == SMTP_RESULT_SENT ? 0 : -1;
}

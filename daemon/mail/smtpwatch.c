/*
 * smtpwatch — what one SMTP session saw (see smtpwatch.h): libesmtp's
 * events and protocol monitor and OpenSSL's verify callback fill the
 * watch; the classification of a message's outcome reads it with
 * libesmtp's statuses. Sender thread.
 */
#include "smtpwatch.h"

#include "log.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

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

static void s_tls_fail(smtpwatch_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first reason TLS refused the server; later ones follow
 * from it. */
static void s_tls_fail(smtpwatch_t *w, const char *fmt, ...)
{
    if (w->tls_fail[0])
        return;
    char tmp[SMTPWATCH_TEXT_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    s_copy_text(w->tls_fail, sizeof w->tls_fail, tmp);
}

void smtpwatch_init(smtpwatch_t *w, const char *host)
{
    memset(w, 0, sizeof *w);
    w->host = host;
}

int smtpwatch_verify(int ok, X509_STORE_CTX *store)
{
    if (ok)
        return ok;
    SSL *ssl =
        X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    smtpwatch_t *w = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
    int err = X509_STORE_CTX_get_error(store);
    if (w && err == X509_V_ERR_HOSTNAME_MISMATCH)
        s_tls_fail(w, "certificate is not for %s", w->host);
    else if (w)
        s_tls_fail(w, "certificate not trusted: %s",
                   X509_verify_cert_error_string(err));
    return ok;
}

void smtpwatch_event(smtpwatch_t *w, int event, va_list ap)
{
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
}

/* The verbs of the commands in buf, "RCPT,DATA", into out. */
static void s_verbs(const char *buf, size_t len, char *out, size_t outlen)
{
    size_t n = 0;
    bool at_start = true;
    for (size_t i = 0; i < len && n + 2 < outlen; i++) {
        if (buf[i] == '\n') {
            at_start = true;
        } else if (at_start && isalpha((unsigned char)buf[i])) {
            if (n)
                out[n++] = ',';
            while (i < len && isalpha((unsigned char)buf[i]) && n + 2 < outlen)
                out[n++] = (char)toupper((unsigned char)buf[i++]);
            at_start = false;
        } else {
            at_start = false;
        }
    }
    out[n] = '\0';
}

/* Notes the verb of the last command in a buffer libesmtp writes, and
 * whether it holds several (pipelined). A line written inside an AUTH
 * exchange is a SASL answer: skipped. */
static void s_watch_write(smtpwatch_t *w, const char *buf, size_t len)
{
    if (w->in_auth)
        return;
    size_t start = 0, n = 0, lines = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == '\n') {
            start = i + 1;
            lines++;
        }
    if (lines > 0) { /* more than one command in one write */
        char verbs[64];
        s_verbs(buf, len, verbs, sizeof verbs);
        w->pipelined++;
        log_debug("smtp: pipelined commands=%s", verbs);
    }
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
static void s_watch_reply(smtpwatch_t *w)
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

void smtpwatch_monitor(const char *buf, int len, int writing, void *arg)
{
    smtpwatch_t *w = arg;
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

void smtpwatch_result(smtp_result_t *r, smtp_outcome_t outcome, bool all,
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
        smtpwatch_result(
            r, version ? SMTP_RESULT_PERMANENT : SMTP_RESULT_TEMPORARY, true, 0,
            "TLS handshake failed: %s", why ? why : "connection closed");
        return;
    }
    if (!smtp_strerror(err, buf, sizeof buf))
        snprintf(buf, sizeof buf, "error %d", err);
    smtpwatch_result(r, SMTP_RESULT_TEMPORARY, true, 0, "no delivery: %s", buf);
}

/* Explains a failure that happened before or at MAIL FROM, when there
 * is one to explain. Returns true when it filled r. */
static bool s_session_failure(const smtpwatch_t *w, smtp_message_t msg,
                              smtp_result_t *r)
{
    const smtp_status_t *st = s_failed(smtp_reverse_path_status(msg));
    if (w->tls_fail[0])
        smtpwatch_result(r, SMTP_RESULT_PERMANENT, true, 0, "%s", w->tls_fail);
    else if (w->no_starttls)
        smtpwatch_result(r, SMTP_RESULT_PERMANENT, true, 0,
                         "%s does not offer STARTTLS, which is required",
                         w->host);
    else if (w->auth_code && !w->authenticated)
        smtpwatch_result(r, s_by_code(w->auth_code), true, w->auth_code,
                         "authentication rejected: %d %s", w->auth_code,
                         w->auth_text);
    else if (w->early_code)
        smtpwatch_result(r, s_by_code(w->early_code), true, w->early_code,
                         "%s refused: %d %s",
                         w->early_verb[0] ? w->early_verb : "greeting",
                         w->early_code, w->early_text);
    else if (st)
        smtpwatch_result(r, s_by_code(st->code), true, st->code,
                         "sender refused: %d %s", st->code, st->text);
    else
        return false;
    return true;
}

void smtpwatch_classify(const smtpwatch_t *w, int started, smtp_message_t msg,
                        smtp_recipient_t rcpt, smtp_result_t *r)
{
    const smtp_status_t *m = smtp_message_transfer_status(msg);
    const smtp_status_t *rc = s_failed(smtp_recipient_status(rcpt));
    if (m && m->code >= 200 && m->code < 300 && !rc) {
        smtpwatch_result(r, SMTP_RESULT_SENT, false, m->code, "%s", "");
        return;
    }
    if (s_session_failure(w, msg, r))
        return;
    if (rc)
        smtpwatch_result(r, s_by_code(rc->code), false, rc->code,
                         "recipient refused: %d %s", rc->code, rc->text);
    else if ((m = s_failed(m)))
        smtpwatch_result(r, s_by_code(m->code), false, m->code,
                         "message refused: %d %s", m->code, m->text);
    else if (!started || smtp_errno())
        s_no_reply(r);
    else
        smtpwatch_result(r, SMTP_RESULT_TEMPORARY, true, 0,
                         "the server ended the session without an answer");
}

/*
 * smtp — delivers notification emails through libesmtp, synchronously:
 * one session (one TCP connection, one STARTTLS, one AUTH) carries the
 * mails a feed gives it, one after the other, each with its own outcome
 * (libesmtp sends RSET after a refused one and goes on with the next;
 * it pipelines RCPT TO and DATA when the server offers PIPELINING). A
 * session takes no more mail after max_per_session mails or
 * session_ms; it ends when the feed has none for SMTP_IDLE_MS, or on an
 * error of the connection. Every session has its own SSL_CTX and AUTH
 * context, freed before it returns, so any number of sessions in one
 * process (or thread) is fine. The message text comes from mime. Used
 * by the sender thread; owns no state between calls.
 *
 * TLS: STARTTLS is required unless the settings say SMTP_TLS_NONE. The
 * server's certificate is verified against ca_file, or the system's
 * default paths when there is none, and its name against host; a failed
 * verification is never overridden. TLS 1.2 only: libesmtp 1.1 stalls
 * when a TLS 1.3 server's session tickets arrive early (see smtp.c).
 */
#ifndef REGIE_SMTP_H
#define REGIE_SMTP_H

#include "mime.h"
#include "smtpcut.h"
#include "smtpresult.h"

#include <stdbool.h>

#define SMTP_DEFAULT_PORT 587
#define SMTP_DEFAULT_TIMEOUT_MS 30000
#define SMTP_DEFAULT_MAX_PER_SESSION 100
#define SMTP_DEFAULT_SESSION_MS 60000
#define SMTP_IDLE_MS 2000 /* how long a session waits for a next mail */

typedef enum {
    SMTP_TLS_REQUIRED = 0, /* STARTTLS, verified; the default */
    SMTP_TLS_NONE          /* plain text; only when configured so */
} smtp_tls_t;

/* How to reach the server. Every pointer is borrowed for the call only. */
typedef struct {
    const char *host; /* a host name that the certificate names (not
                         an IP address: libesmtp cannot match those) */
    int port;         /* 0: SMTP_DEFAULT_PORT */
    smtp_tls_t tls;
    const char *ca_file;  /* PEM file of trusted CAs; NULL: system paths */
    const char *user;     /* AUTH user; NULL: no AUTH. PLAIN and LOGIN
                             are used only inside TLS */
    const char *password; /* AUTH password (with user) */
    int timeout_ms;       /* per server reply, >= 1000; 0: the default */
    const char *sender;   /* envelope sender (MAIL FROM), bounces go here;
                             also the From address when mail has none */
    const char *helo;     /* name for EHLO; NULL: this host's node name */
    int max_per_session;  /* most mails in one session; 0: the default */
    int session_ms;       /* no mail is begun in a session older than
                             this; 0: the default */
} smtp_settings_t;

/* Where the mails of a session come from and their outcomes go. */
typedef struct {
    /* The next mail, or false when there is none now; may wait up to
     * wait_ms for one. *tag names it in done(); the mail's strings must
     * stay valid until then. */
    bool (*next)(void *arg, int wait_ms, mime_mail_t *mail, void **tag);
    /* The outcome of a mail next() gave; once per mail, in the session's
     * thread, as soon as it is known (not all at the end). */
    void (*done)(void *arg, void *tag, const smtp_result_t *result);
    void *arg;
} smtp_feed_t;

/* Runs one session for the mails of feed (mail->from NULL:
 * settings->sender) and reports each one's outcome to feed->done; takes
 * no mail from feed when the first next() has none. Blocks for at most a
 * few times timeout_ms per mail once connected, but ends at once when
 * cut (NULL: none) fires; the TCP connect itself is bounded by the
 * kernel, as libesmtp 1.1 has no connect timeout. The calling thread may
 * be cancelled (deferred) while libesmtp waits on the network: the
 * session is then freed by a cleanup handler, as far as libesmtp lets.
 * Logs at debug level only, plus a warning when the server accepted
 * mail although AUTH was configured and failed or was not offered; the
 * caller logs the outcomes with their context. Returns the number of
 * mails it took from feed. */
int smtp_session(const smtp_settings_t *settings, const smtp_feed_t *feed,
                 smtpcut_t *cut);

/* Delivers one mail in a session of its own and fills *result. Returns
 * 0 when sent, -1 when not. */
int smtp_deliver(const smtp_settings_t *settings, const mime_mail_t *mail,
                 smtp_result_t *result);

#endif

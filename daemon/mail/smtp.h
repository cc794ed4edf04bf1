/*
 * smtp — delivers one notification email through libesmtp, synchronously:
 * one session, one SSL_CTX and one message per call, all freed before it
 * returns, so any number of calls in one process (or thread) is fine. The
 * message text comes from mime. Used by the sender thread; owns no state
 * between calls.
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

#include <stdbool.h>

#define SMTP_DEFAULT_PORT 587
#define SMTP_DEFAULT_TIMEOUT_MS 30000
#define SMTP_REASON_LEN 320

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
} smtp_settings_t;

typedef enum {
    SMTP_RESULT_SENT = 0,  /* the server accepted the message */
    SMTP_RESULT_TEMPORARY, /* try again later: 4xx, no connection,
                              timeout, connection lost, TLS handshake
                              broken off */
    SMTP_RESULT_PERMANENT  /* the same attempt will fail again: 5xx,
                              AUTH rejected (5xx), certificate not
                              trusted or for another name, STARTTLS
                              required but not offered, no common TLS
                              version, invalid settings or message */
} smtp_outcome_t;

typedef struct {
    smtp_outcome_t outcome;
    /* True when the failure does not depend on this message: it happened
     * before the recipient was named (connection, TLS, STARTTLS, AUTH,
     * greeting, EHLO, MAIL FROM) or the settings are invalid. Every other
     * message would fail the same way now, so the sender should end the
     * batch. A PERMANENT failure with affects_all set is an operator's
     * problem (certificate, CA file, password, server): the messages are
     * better kept queued and retried slowly than given up. */
    bool affects_all;
    int code;                     /* the deciding SMTP reply code or 0 */
    char reason[SMTP_REASON_LEN]; /* one printable line; "" when sent */
} smtp_result_t;

/* Delivers mail (mail->from NULL: settings->sender) and fills *result, on
 * every path. Blocks for at most a few times timeout_ms once connected;
 * the TCP connect itself is bounded by the kernel, as libesmtp 1.1 has
 * no connect timeout. Logs at debug level only, plus a warning when the
 * server accepted a message although AUTH was configured and failed or
 * was not offered; the caller logs the outcome with the notification's
 * context. Returns 0 when sent, -1 when not. */
int smtp_deliver(const smtp_settings_t *settings, const mime_mail_t *mail,
                 smtp_result_t *result);

#endif

/*
 * smtpwatch — what one SMTP session saw, and what it means for a mail:
 * libesmtp's session-level events (TLS, STARTTLS), its protocol monitor
 * (the commands written, never their arguments, and the server's
 * replies, for what libesmtp's statuses lack: AUTH, greeting, EHLO) and
 * OpenSSL's verify callback fill an smtpwatch_t; smtpwatch_classify
 * turns it and a message's statuses into an smtp_result_t. Used by smtp
 * in the sender thread; owns nothing.
 */
#ifndef REGIE_SMTPWATCH_H
#define REGIE_SMTPWATCH_H

#include "smtpresult.h"

#include <stdarg.h>
#include <stdbool.h>

/* Order matters: libesmtp.h needs size_t, declares smtp_starttls_set_ctx
 * only after <openssl/ssl.h>, smtp_auth_set_context after auth-client.h. */
/* clang-format off */
#include <stddef.h>
#include <openssl/ssl.h>
#include <auth-client.h>
#include <libesmtp.h>
/* clang-format on */

#define SMTPWATCH_TEXT_LEN 160

/* Observations of one session; filled by the callbacks below. */
typedef struct {
    const char *host;                   /* the server's name, for reasons */
    bool tls_ok;                        /* the STARTTLS handshake completed */
    char tls_fail[SMTPWATCH_TEXT_LEN];  /* why TLS refused the server, "" */
    bool no_starttls;                   /* required but not offered */
    char verb[12];                      /* the last command written */
    int pipelined;                      /* writes of several commands */
    bool in_auth;                       /* inside an AUTH exchange (334) */
    bool auth_tried;                    /* an AUTH command was written */
    bool authenticated;                 /* the server answered 235 */
    int auth_code;                      /* the last AUTH failure, 0: none */
    char auth_text[SMTPWATCH_TEXT_LEN]; /* its text */
    int early_code;                     /* a failure before MAIL FROM */
    char early_verb[12];                /* its command; "" for the greeting */
    char early_text[SMTPWATCH_TEXT_LEN];
    char line[512]; /* the reply line being read */
    size_t line_len;
} smtpwatch_t;

/* A watch for a session with the server host (borrowed for its life). */
void smtpwatch_init(smtpwatch_t *w, const char *host);

/* Notes a session-level libesmtp event (TLS, STARTTLS) with its
 * arguments; other events are ignored. Every event that offers an "ok"
 * or "quit_now" flag is left at libesmtp's safe default: refuse, quit. */
void smtpwatch_event(smtpwatch_t *w, int event, va_list ap);

/* libesmtp's protocol monitor callback; arg is the smtpwatch_t. */
void smtpwatch_monitor(const char *buf, int len, int writing, void *arg);

/* OpenSSL's verify callback for an SSL_CTX whose app data is the
 * smtpwatch_t: notes why a certificate is refused, never changes the
 * verdict. */
int smtpwatch_verify(int ok, X509_STORE_CTX *store);

/* Fills r: the outcome, whether every mail would fail the same way now,
 * the deciding reply code (0: none) and a reason made printable. */
void smtpwatch_result(smtp_result_t *r, smtp_outcome_t outcome, bool all,
                      int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Fills r from what the session (w; started: what smtp_start_session
 * returned, or 1 while it runs) did with one message and its one
 * recipient. */
void smtpwatch_classify(const smtpwatch_t *w, int started, smtp_message_t msg,
                        smtp_recipient_t rcpt, smtp_result_t *r);

#endif

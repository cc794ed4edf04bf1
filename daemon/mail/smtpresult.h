/*
 * smtpresult — what became of one mail an SMTP session carried: the
 * types smtp gives its callers and smtpwatch fills (a header of its own
 * so that the two need not include each other). No functions.
 */
#ifndef REGIE_SMTPRESULT_H
#define REGIE_SMTPRESULT_H

#include <stdbool.h>

#define SMTP_REASON_LEN 320

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
     * greeting, EHLO, MAIL FROM) or the settings are invalid: every
     * other message would fail the same way now. A PERMANENT failure
     * with affects_all set is an operator's
     * problem (certificate, CA file, password, server): the messages are
     * better kept queued and retried slowly than given up. */
    bool affects_all;
    /* True when this was no attempt, and the mail goes back to the
     * queue as it was: the connection, which had worked, was lost
     * before the mail's data was sent and without a reply about it (so
     * the server does not have it); or smtpcut ended the session (a
     * stop) before a reply about it (the server may have it if its data
     * was sent: it goes again with the same Message-ID). */
    bool requeue;
    int code;                     /* the deciding SMTP reply code or 0 */
    char reason[SMTP_REASON_LEN]; /* one printable line; "" when sent */
} smtp_result_t;

#endif

/*
 * mime — the text of one notification email: RFC 5322 headers and a
 * UTF-8 plain-text body, ready for SMTP's DATA (CRLF line ends, not
 * dot-stuffed: libesmtp does that). Stateless; used by smtp in the sender
 * thread.
 *
 * The body is quoted-printable: 7-bit clean, so it passes any relay
 * whether or not it offers 8BITMIME, and no line can pass SMTP's 998
 * octets whatever a template or a value holds. Subject and display names
 * are RFC 2047 encoded words ("B", UTF-8) when they are not plain ASCII
 * that fits one line; control characters in them become spaces, so no
 * text can add a header.
 */
#ifndef REGIE_MIME_H
#define REGIE_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* One email to one recipient. Every pointer is borrowed for the call. */
typedef struct {
    const char *from;       /* header From address */
    const char *from_name;  /* its display name (UTF-8) or NULL */
    const char *to;         /* the one recipient, envelope and header */
    const char *to_name;    /* its display name (UTF-8) or NULL */
    const char *subject;    /* UTF-8; control characters become spaces */
    const char *message_id; /* "id@domain", with or without <> */
    time_t date;            /* the Date header (written in UTC) */
    const char *body;       /* UTF-8 text; LF, CRLF or CR line ends */
} mime_mail_t;

/* Builds the message: Date, From, To, Subject, Message-ID,
 * Auto-Submitted, MIME-Version, Content-Type (text/plain, UTF-8),
 * Content-Transfer-Encoding (quoted-printable), an empty line, the body.
 * Returns a new string for the caller to free, or NULL with the reason in
 * err (errlen bytes) when an address or the Message-ID is not well formed
 * or a text is missing or not UTF-8. */
char *mime_compose(const mime_mail_t *mail, char *err, size_t errlen);

/* Writes date as an RFC 5322 date in the local zone (regied sets TZ to
 * its configured timezone), with its offset: "Tue, 02 Jan 2024 10:00:00
 * +0100", into buf (len >= 32). Returns buf. */
char *mime_date(time_t date, char *buf, size_t len);

/* Whether addr is an address we put in an envelope and a header: printable
 * ASCII, at most 254 bytes, no space or specials, "local@domain". */
bool mime_addr_valid(const char *addr);

#endif

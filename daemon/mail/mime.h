/*
 * mime — the text of one notification email: RFC 5322 headers and a
 * UTF-8 plain-text body, or (a mail with an HTML alternative, the weekly
 * digest) a multipart/alternative of that plain text and the HTML with
 * its inline pictures, ready for SMTP's DATA (CRLF line ends, not
 * dot-stuffed: libesmtp does that). Stateless; used by smtp in the
 * sender thread.
 *
 * Texts are quoted-printable: 7-bit clean, so they pass any relay
 * whether or not it offers 8BITMIME, and no line can pass SMTP's 998
 * octets whatever a template or a value holds. Subject and display names
 * are RFC 2047 encoded words ("B", UTF-8) when they are not plain ASCII
 * that fits one line; control characters in them become spaces, so no
 * text can add a header.
 *
 * A multipart mail is
 *   multipart/alternative
 *     text/plain                  the body, complete on its own
 *     multipart/related           (only with inline parts)
 *       text/html                 the HTML, <img src="cid:...">
 *       image/png ...             each part: base64 in lines of 76,
 *                                 Content-ID, Content-Disposition inline
 * Its boundaries begin with "=_", which neither quoted-printable (an "="
 * there is always followed by a hex digit or the line end) nor base64
 * can hold, so no content can end a part.
 */
#ifndef REGIE_MIME_H
#define REGIE_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* An inline part of the HTML alternative, shown by it as
 * <img src="cid:CID">. Every pointer is borrowed for the call. */
typedef struct {
    const char *content_type;  /* "image/png" */
    const char *cid;           /* its Content-ID, "left@right", with or
                                  without <> */
    const char *filename;      /* "chart.png", or NULL */
    const unsigned char *data; /* its bytes */
    size_t len;
} mime_part_t;

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
    const char *html;       /* NULL: a plain-text mail; else the HTML
                               alternative of body (UTF-8) */
    const mime_part_t *parts; /* the n_parts inline parts of html */
    size_t n_parts;
} mime_mail_t;

/* Builds the message: Date, From, To, Subject, Message-ID,
 * Auto-Submitted, MIME-Version, Content-Type (text/plain, UTF-8),
 * Content-Transfer-Encoding (quoted-printable), an empty line, the body;
 * or, with html, Content-Type multipart/alternative and its parts (see
 * above). Returns a new string for the caller to free, or NULL with the
 * reason in err (errlen bytes) when an address, the Message-ID or a
 * part's Content-ID is not well formed, a text is missing or not UTF-8,
 * or a part has no bytes, a content type that is not "type/subtype" or a
 * file name that is not plain ASCII. */
char *mime_compose(const mime_mail_t *mail, char *err, size_t errlen);

/* Writes date as an RFC 5322 date in the local zone (regied sets TZ to
 * its configured timezone), with its offset: "Tue, 02 Jan 2024 10:00:00
 * +0100", into buf (len >= 32). Returns buf. */
char *mime_date(time_t date, char *buf, size_t len);

/* Whether addr is an address we put in an envelope and a header: printable
 * ASCII, at most 254 bytes, no space or specials, "local@domain". */
bool mime_addr_valid(const char *addr);

#endif

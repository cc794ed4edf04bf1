/*
 * mime — builds a notification's message text: RFC 5322 headers (RFC 2047
 * words where needed) and a quoted-printable UTF-8 body, or the parts of
 * a multipart/alternative one (base64 for pictures), CRLF line ends.
 * Stateless, no I/O; used by smtp in the sender thread.
 */
#include "mime.h"

#include "strbuf.h"
#include "utf8.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_WORD_BYTES 42 /* UTF-8 bytes per encoded word: lines <= 77 */
#define S_QP_COLUMNS 75 /* quoted-printable text per line, plus "=" */
#define S_B64_BYTES 57  /* bytes per base64 line: 76 columns */
/* The boundaries: "=_" cannot occur in quoted-printable or base64. */
#define S_ALTERNATIVE "=_regie-alternative"
#define S_RELATED "=_regie-related"

/* ---- Checks ------------------------------------------------------- */

/* An addr-spec we are willing to put in an envelope: printable ASCII,
 * no space or specials that would break a header, one @ inside. */
bool mime_addr_valid(const char *a)
{
    if (!a || !*a || strlen(a) > 254)
        return false;
    const char *at = strrchr(a, '@');
    if (!at || at == a || !at[1])
        return false;
    for (const char *p = a; *p; p++)
        if (*p <= ' ' || *p > '~' || strchr("<>()[],;:\\\"", *p))
            return false;
    return true;
}

/* Copies a Message-ID without its angle brackets into out (len bytes).
 * Returns 0, or -1 when it is not "left@right" in printable ASCII. */
static int s_msgid(const char *id, char *out, size_t len)
{
    if (!id)
        return -1;
    size_t n = strlen(id);
    if (n >= 2 && id[0] == '<' && id[n - 1] == '>') {
        id++;
        n -= 2;
    }
    if (n == 0 || n >= len || n > 250)
        return -1;
    memcpy(out, id, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (out[i] <= ' ' || out[i] > '~' || strchr("<>()\\\",;", out[i]))
            return -1;
    const char *at = strchr(out, '@');
    return at && at != out && at[1] && !strchr(at + 1, '@') ? 0 : -1;
}

/* Writes the base64 of n bytes (and a NUL) to out (4 * (n + 2) / 3 + 1
 * bytes). */
static void s_base64(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        *out++ = tab[(v >> 18) & 63];
        *out++ = tab[(v >> 12) & 63];
        *out++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *out++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *out = '\0';
}

/* ---- Headers -------------------------------------------------------- */

/* A copy of a UTF-8 text for a header: control characters become
 * spaces (no CR or LF can reach the header). */
static char *s_header_text(const char *s)
{
    char *t = xstrdup(s ? s : "");
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
    return t;
}

/* Whether text can stand in a header as it is: printable ASCII, no
 * encoded-word look-alike, short enough for one line after the name. */
static bool s_plain(const char *t, size_t room)
{
    if (strlen(t) > room || strstr(t, "=?"))
        return false;
    for (const char *p = t; *p; p++)
        if (*p < ' ' || *p > '~')
            return false;
    return true;
}

/* Appends t as RFC 2047 encoded words ("B", UTF-8), folded so that no
 * word splits a character and no line passes 77 columns. */
static void s_put_words(strbuf_t *b, const char *t)
{
    const unsigned char *p = (const unsigned char *)t;
    unsigned char out[S_WORD_BYTES * 4 / 3 + 4];
    bool first = true;
    do {
        size_t n = 0, c;
        while (p[n] && (c = utf8_len(p + n)) && n + c <= S_WORD_BYTES)
            n += c;
        if (n == 0)
            n = 1; /* not UTF-8 (checked before): never loop forever */
        s_base64(p, n, (char *)out);
        strbuf_puts(b, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        strbuf_puts(b, (const char *)out);
        strbuf_puts(b, "?=");
        p += n;
        first = false;
    } while (*p);
}

/* Appends "Name: text\r\n", encoding text when it is not plain. */
static void s_put_unstructured(strbuf_t *b, const char *name, const char *s)
{
    char *t = s_header_text(s);
    strbuf_puts(b, name);
    strbuf_puts(b, ": ");
    if (s_plain(t, 76 - strlen(name)))
        strbuf_puts(b, t);
    else
        s_put_words(b, t);
    strbuf_puts(b, "\r\n");
    free(t);
}

/* Appends "Name: addr" or "Name: phrase <addr>" and CRLF. */
static void s_put_mailbox(strbuf_t *b, const char *name, const char *display,
                          const char *addr)
{
    strbuf_puts(b, name);
    strbuf_puts(b, ": ");
    if (display && *display) {
        char *t = s_header_text(display);
        if (s_plain(t, 60)) {
            strbuf_puts(b, "\"");
            for (const char *p = t; *p; p++) {
                if (*p == '"' || *p == '\\')
                    strbuf_puts(b, "\\");
                strbuf_put(b, p, 1);
            }
            strbuf_puts(b, "\"");
        } else {
            s_put_words(b, t);
        }
        free(t);
        strbuf_puts(b, " <");
        strbuf_puts(b, addr);
        strbuf_puts(b, ">\r\n");
    } else {
        strbuf_puts(b, addr);
        strbuf_puts(b, "\r\n");
    }
}

char *mime_date(time_t date, char *buf, size_t len)
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed",
                                 "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (!localtime_r(&date, &tm)) {
        snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 +0000");
        return buf;
    }
    long off = tm.tm_gmtoff / 60; /* minutes east of UTC */
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
             labs(off) / 60, labs(off) % 60);
    return buf;
}

/* ---- Body ----------------------------------------------------------- */

/* Appends one line (without its end) quoted-printable, soft-broken at
 * 76 columns, then CRLF. Trailing white space and a leading "From " are
 * encoded; dots are left to libesmtp's dot-stuffing. */
static void s_put_qp_line(strbuf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    bool from = n >= 5 && memcmp(s, "From ", 5) == 0;
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tok[3] = {(char)c, 0, 0};
        size_t tl = 1;
        bool blank = c == ' ' || c == '\t';
        bool literal =
            (c > ' ' && c <= '~' && c != '=') || (blank && i + 1 < n);
        if (!literal || (i == 0 && from)) {
            tok[0] = '=';
            tok[1] = hex[c >> 4];
            tok[2] = hex[c & 15];
            tl = 3;
        }
        if (col + tl > S_QP_COLUMNS) {
            strbuf_puts(b, "=\r\n");
            col = 0;
        }
        strbuf_put(b, tok, tl);
        col += tl;
    }
    strbuf_puts(b, "\r\n");
}

/* Appends body quoted-printable; LF, CRLF and CR all end a line. */
static void s_put_qp_body(strbuf_t *b, const char *body)
{
    const char *p = body;
    while (*p) {
        size_t n = strcspn(p, "\r\n");
        s_put_qp_line(b, p, n);
        p += n;
        if (p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (*p)
            p++;
    }
}

/* ---- Parts ---------------------------------------------------------- */

/* Appends data base64, in lines of 76 columns. */
static void s_put_base64(strbuf_t *b, const unsigned char *data, size_t len)
{
    char line[S_B64_BYTES / 3 * 4 + 1];
    for (size_t i = 0; i < len; i += S_B64_BYTES) {
        s_base64(data + i, len - i < S_B64_BYTES ? len - i : S_B64_BYTES, line);
        strbuf_puts(b, line);
        strbuf_puts(b, "\r\n");
    }
}

/* Appends a boundary line: "--boundary" (last: "--boundary--"). */
static void s_put_boundary(strbuf_t *b, const char *boundary, bool last)
{
    strbuf_puts(b, "--");
    strbuf_puts(b, boundary);
    strbuf_puts(b, last ? "--\r\n" : "\r\n");
}

/* Appends a text part: its headers, an empty line, text
 * quoted-printable. */
static void s_put_text_part(strbuf_t *b, const char *subtype, const char *text)
{
    strbuf_printf(b,
                  "Content-Type: text/%s; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  subtype);
    s_put_qp_body(b, text);
}

/* Appends an inline part (checked): headers, empty line, base64. */
static void s_put_inline(strbuf_t *b, const mime_part_t *p)
{
    char cid[256];
    s_msgid(p->cid, cid, sizeof cid);
    strbuf_printf(b,
                  "Content-Type: %s\r\n"
                  "Content-Transfer-Encoding: base64\r\n"
                  "Content-ID: <%s>\r\n"
                  "Content-Disposition: inline",
                  p->content_type, cid);
    if (p->filename)
        strbuf_printf(b, "; filename=\"%s\"", p->filename);
    strbuf_puts(b, "\r\n\r\n");
    s_put_base64(b, p->data, p->len);
}

/* Appends the HTML and its inline parts: a multipart/related of them, or
 * the HTML part alone when there are none. */
static void s_put_html(strbuf_t *b, const mime_mail_t *m)
{
    if (m->n_parts == 0) {
        s_put_text_part(b, "html", m->html);
        return;
    }
    strbuf_puts(b, "Content-Type: multipart/related; boundary=\"" S_RELATED
                   "\"; type=\"text/html\"\r\n\r\n");
    s_put_boundary(b, S_RELATED, false);
    s_put_text_part(b, "html", m->html);
    for (size_t i = 0; i < m->n_parts; i++) {
        s_put_boundary(b, S_RELATED, false);
        s_put_inline(b, &m->parts[i]);
    }
    s_put_boundary(b, S_RELATED, true);
}

/* Appends the body of a mail with an HTML alternative: its
 * Content-Type, an empty line, and the parts. */
static void s_put_alternative(strbuf_t *b, const mime_mail_t *m)
{
    strbuf_puts(b,
                "Content-Type: multipart/alternative; boundary=\"" S_ALTERNATIVE
                "\"\r\n\r\n");
    s_put_boundary(b, S_ALTERNATIVE, false);
    s_put_text_part(b, "plain", m->body);
    s_put_boundary(b, S_ALTERNATIVE, false);
    s_put_html(b, m);
    s_put_boundary(b, S_ALTERNATIVE, true);
}

/* ---- Checks of the parts -------------------------------------------- */

/* Whether t is "type/subtype" of RFC 2045 tokens. */
static bool s_content_type_ok(const char *t)
{
    if (!t || !*t || strlen(t) > 100)
        return false;
    int slashes = 0;
    for (const char *p = t; *p; p++) {
        if (*p == '/')
            slashes++;
        else if (*p <= ' ' || *p > '~' || strchr("()<>@,;:\\\"[]?=", *p))
            return false;
    }
    return slashes == 1 && t[0] != '/' && t[strlen(t) - 1] != '/';
}

/* Whether a file name can stand in a quoted parameter as it is. */
static bool s_filename_ok(const char *f)
{
    if (!f)
        return true;
    if (!*f || strlen(f) > 60)
        return false;
    for (const char *p = f; *p; p++)
        if (*p < ' ' || *p > '~' || *p == '"' || *p == '\\')
            return false;
    return true;
}

/* The first problem of the HTML alternative and its parts, or NULL. */
static const char *s_check_html(const mime_mail_t *m)
{
    char cid[256];
    if (!m->html)
        return m->n_parts ? "inline parts without HTML" : NULL;
    if (!utf8_valid(m->html))
        return "HTML is not UTF-8";
    for (size_t i = 0; i < m->n_parts; i++) {
        const mime_part_t *p = &m->parts[i];
        if (s_msgid(p->cid, cid, sizeof cid) < 0)
            return "invalid Content-ID of an inline part";
        if (!s_content_type_ok(p->content_type))
            return "invalid content type of an inline part";
        if (!s_filename_ok(p->filename))
            return "invalid file name of an inline part";
        if (!p->data || p->len == 0)
            return "an inline part without data";
    }
    return NULL;
}

/* Checks what mime_compose needs; writes the first problem to err. */
static int s_check_mail(const mime_mail_t *m, char *id, size_t idlen, char *err,
                        size_t errlen)
{
    const char *bad = NULL;
    if (!mime_addr_valid(m->from))
        bad = "invalid From address";
    else if (!mime_addr_valid(m->to))
        bad = "invalid recipient address";
    else if (s_msgid(m->message_id, id, idlen) < 0)
        bad = "invalid Message-ID";
    else if (!m->subject || !utf8_valid(m->subject))
        bad = "subject is missing or not UTF-8";
    else if (!m->body || !utf8_valid(m->body))
        bad = "body is missing or not UTF-8";
    else if ((m->from_name && !utf8_valid(m->from_name)) ||
             (m->to_name && !utf8_valid(m->to_name)))
        bad = "display name is not UTF-8";
    else
        bad = s_check_html(m);
    if (!bad)
        return 0;
    snprintf(err, errlen, "%s", bad);
    return -1;
}

char *mime_compose(const mime_mail_t *mail, char *err, size_t errlen)
{
    char id[256], date[40];
    if (s_check_mail(mail, id, sizeof id, err, errlen) < 0)
        return NULL;
    strbuf_t b = {0};
    strbuf_puts(&b, "Date: ");
    strbuf_puts(&b, mime_date(mail->date, date, sizeof date));
    strbuf_puts(&b, "\r\n");
    s_put_mailbox(&b, "From", mail->from_name, mail->from);
    s_put_mailbox(&b, "To", mail->to_name, mail->to);
    s_put_unstructured(&b, "Subject", mail->subject);
    strbuf_puts(&b, "Message-ID: <");
    strbuf_puts(&b, id);
    strbuf_puts(&b, ">\r\n"
                    "Auto-Submitted: auto-generated\r\n"
                    "MIME-Version: 1.0\r\n");
    if (mail->html)
        s_put_alternative(&b, mail);
    else
        s_put_text_part(&b, "plain", mail->body);
    return strbuf_take(&b);
}

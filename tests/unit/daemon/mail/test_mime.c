/*
 * Unit tests of mime: the message mime_compose builds (headers, RFC 2047,
 * quoted-printable, CRLF; a multipart/alternative with its related HTML
 * and base64 pictures), each input it refuses, and the Date format.
 * Delivery is tested against a real server in
 * tests/integration/test_smtp.py.
 */
#include "mail/mime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static mime_mail_t s_mail(void)
{
    mime_mail_t m = {
        .from = "regie@gemeente.example",
        .from_name = "Regie Gemeente",
        .to = "j.devries@partner.example",
        .subject = "Casus C-17",
        .message_id = "n-42.1@regie.gemeente.example",
        .date = 1704186000, /* Tue, 02 Jan 2024 09:00:00 UTC */
        .body = "Beste J. de Vries,\n\nEen nieuwe melding.\n",
    };
    return m;
}

static char *s_compose(const mime_mail_t *m)
{
    char err[128];
    char *text = mime_compose(m, err, sizeof err);
    if (!text)
        fail_msg("mime_compose: %s", err);
    return text;
}

/* Every line ends in CRLF, none is longer than max (without CRLF). */
static void s_lines(const char *text, size_t max)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(nl > p && nl[-1] == '\r');
        if ((size_t)(nl - 1 - p) > max)
            fail_msg("line longer than %zu: %.*s", max, (int)(nl - p), p);
        p = nl + 1;
    }
}

static void test_headers(void **state)
{
    mime_mail_t m = s_mail();
    char *t = s_compose(&m);
    const char *want = "Date: Tue, 02 Jan 2024 09:00:00 +0000\r\n"
                       "From: \"Regie Gemeente\" <regie@gemeente.example>\r\n"
                       "To: j.devries@partner.example\r\n"
                       "Subject: Casus C-17\r\n"
                       "Message-ID: <n-42.1@regie.gemeente.example>\r\n"
                       "Auto-Submitted: auto-generated\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=UTF-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n"
                       "\r\n"
                       "Beste J. de Vries,\r\n\r\nEen nieuwe melding.\r\n";
    assert_string_equal(t, want);
    free(t);
}

static void test_utf8_subject_and_body(void **state)
{
    mime_mail_t m = s_mail();
    m.subject = "Casus C-17: é";
    m.body = "Café = goed\n";
    m.to_name = "José";
    char *t = s_compose(&m);
    /* base64("Casus C-17: é") and base64("José") */
    assert_non_null(strstr(t, "Subject: =?UTF-8?B?Q2FzdXMgQy0xNzogw6k=?=\r\n"));
    assert_non_null(strstr(t, "To: =?UTF-8?B?Sm9zw6k=?= "
                              "<j.devries@partner.example>\r\n"));
    assert_non_null(strstr(t, "\r\n\r\nCaf=C3=A9 =3D goed\r\n"));
    s_lines(t, 78);
    free(t);
}

static void test_long_subject_folded(void **state)
{
    char subject[400] = "";
    for (int i = 0; i < 30; i++)
        strcat(subject, "één ");
    mime_mail_t m = s_mail();
    m.subject = subject;
    char *t = s_compose(&m);
    s_lines(t, 78);
    /* continuation lines start with a space, words never split é */
    const char *s = strstr(t, "Subject: ");
    assert_non_null(strstr(s, "?=\r\n =?UTF-8?B?"));
    free(t);
}

static void test_long_ascii_subject_encoded(void **state)
{
    char subject[200];
    memset(subject, 'a', 100);
    subject[100] = '\0';
    mime_mail_t m = s_mail();
    m.subject = subject;
    char *t = s_compose(&m);
    assert_non_null(strstr(t, "Subject: =?UTF-8?B?"));
    s_lines(t, 78);
    free(t);
}

static void test_subject_injection(void **state)
{
    mime_mail_t m = s_mail();
    m.subject = "x\r\nBcc: victim@example.org";
    char *t = s_compose(&m);
    assert_non_null(strstr(t, "Subject: x  Bcc: victim@example.org\r\n"));
    assert_null(strstr(t, "\r\nBcc:"));
    free(t);
}

static void test_encoded_word_lookalike(void **state)
{
    mime_mail_t m = s_mail();
    m.subject = "=?UTF-8?B?eA==?=";
    char *t = s_compose(&m);
    assert_null(strstr(t, "Subject: =?UTF-8?B?eA==?=\r\n"));
    free(t);
}

static void test_quoted_printable(void **state)
{
    char body[300];
    memset(body, 'x', 200);
    strcpy(body + 200, "\nspatie aan het eind \nFrom here\n.punt\n");
    mime_mail_t m = s_mail();
    m.body = body;
    char *t = s_compose(&m);
    s_lines(t, 78);
    const char *b = strstr(t, "\r\n\r\n") + 4;
    assert_memory_equal(b + 75, "=\r\nx", 4); /* soft break at 76 */
    assert_non_null(strstr(b, "\r\nspatie aan het eind=20\r\n"));
    assert_non_null(strstr(b, "\r\n=46rom here\r\n"));
    assert_non_null(strstr(b, "\r\n.punt\r\n")); /* libesmtp stuffs dots */
    free(t);
}

static void test_line_ends(void **state)
{
    mime_mail_t m = s_mail();
    m.body = "a\r\nb\rc\nd";
    char *t = s_compose(&m);
    assert_non_null(strstr(t, "\r\n\r\na\r\nb\r\nc\r\nd\r\n"));
    s_lines(t, 78);
    free(t);
}

static void test_message_id_brackets(void **state)
{
    mime_mail_t m = s_mail();
    m.message_id = "<a.b@c>";
    char *t = s_compose(&m);
    assert_non_null(strstr(t, "\r\nMessage-ID: <a.b@c>\r\n"));
    free(t);
}

static void test_display_name_quoted(void **state)
{
    mime_mail_t m = s_mail();
    m.from_name = "Regie \"Ede\" \\ test";
    char *t = s_compose(&m);
    assert_non_null(strstr(t, "From: \"Regie \\\"Ede\\\" \\\\ test\" "
                              "<regie@gemeente.example>\r\n"));
    free(t);
}

static const unsigned char s_png[] = {0x89, 'P', 'N', 'G', '\r', '\n'};

/* The mail with an HTML alternative and one picture. */
static mime_mail_t s_html_mail(mime_part_t *part)
{
    mime_mail_t m = s_mail();
    *part = (mime_part_t){.content_type = "image/png",
                          .cid = "<chart.1@gemeente.example>",
                          .filename = "chart.png",
                          .data = s_png,
                          .len = sizeof s_png};
    m.body = "Tekst\n";
    m.html = "<p>Zie <img src=\"cid:chart.1@gemeente.example\"></p>\n";
    m.parts = part;
    m.n_parts = 1;
    return m;
}

static void test_multipart_layout(void **state)
{
    mime_part_t part;
    mime_mail_t m = s_html_mail(&part);
    char *t = s_compose(&m);
    const char *want =
        "Message-ID: <n-42.1@regie.gemeente.example>\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative;"
        " boundary=\"=_regie-alternative\"\r\n"
        "\r\n"
        "--=_regie-alternative\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Tekst\r\n"
        "--=_regie-alternative\r\n"
        "Content-Type: multipart/related; boundary=\"=_regie-related\";"
        " type=\"text/html\"\r\n"
        "\r\n"
        "--=_regie-related\r\n"
        "Content-Type: text/html; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<p>Zie <img src=3D\"cid:chart.1@gemeente.example\"></p>\r\n"
        "--=_regie-related\r\n"
        "Content-Type: image/png\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-ID: <chart.1@gemeente.example>\r\n"
        "Content-Disposition: inline; filename=\"chart.png\"\r\n"
        "\r\n"
        "iVBORw0K\r\n"
        "--=_regie-related--\r\n"
        "--=_regie-alternative--\r\n";
    const char *at = strstr(t, "Message-ID: ");
    assert_non_null(at);
    assert_string_equal(at, want);
    s_lines(t, 78);
    free(t);
}

static void test_html_without_parts(void **state)
{
    mime_mail_t m = s_mail();
    m.html = "<p>Hallo</p>";
    char *t = s_compose(&m);
    assert_null(strstr(t, "multipart/related"));
    assert_non_null(strstr(t, "--=_regie-alternative\r\n"
                              "Content-Type: text/html; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable"
                              "\r\n\r\n<p>Hallo</p>\r\n"
                              "--=_regie-alternative--\r\n"));
    free(t);
}

/* The value of one base64 character, or -1. */
static int s_b64(char c)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(tab, c) : NULL;
    return p ? (int)(p - tab) : -1;
}

static void test_base64_lines_of_76(void **state)
{
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    mime_part_t part;
    mime_mail_t m = s_html_mail(&part);
    part.data = data;
    part.len = sizeof data;
    char *t = s_compose(&m);
    s_lines(t, 78);
    static const char head[] = "filename=\"chart.png\"\r\n\r\n";
    const char *p = strstr(t, head) + strlen(head);
    unsigned char got[sizeof data + 3];
    size_t n = 0, lines = 0;
    unsigned long acc = 0;
    int bits = 0;
    while (*p != '-') {
        size_t len = strcspn(p, "\r");
        lines++;
        if (*(p + len + 2) != '-') /* every line but the last is full */
            assert_int_equal(len, 76);
        for (size_t i = 0; i < len && p[i] != '='; i++) {
            assert_true(s_b64(p[i]) >= 0);
            acc = (acc << 6) | (unsigned long)s_b64(p[i]);
            if ((bits += 6) >= 8)
                got[n++] = (unsigned char)(acc >> (bits -= 8));
        }
        p += len + 2;
    }
    assert_int_equal(lines, (sizeof data + 56) / 57);
    assert_int_equal(n, sizeof data);
    assert_memory_equal(got, data, sizeof data);
    free(t);
}

/* How many times needle is in text. */
static int s_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_content_cannot_end_a_part(void **state)
{
    mime_part_t part;
    mime_mail_t m = s_html_mail(&part);
    m.body = "--=_regie-alternative\n--=_regie-related--\n";
    m.html = "<p>\n--=_regie-alternative--\n--=_regie-related\n</p>";
    char *t = s_compose(&m);
    assert_int_equal(s_count(t, "\n--=_regie-alternative"), 3);
    assert_int_equal(s_count(t, "\n--=_regie-related"), 3);
    assert_int_equal(s_count(t, "--=_regie-alternative--\r\n"), 1);
    assert_non_null(strstr(t, "\r\n--=3D_regie-alternative\r\n"));
    free(t);
}

static void test_single_part_unchanged_by_html_null(void **state)
{
    mime_mail_t m = s_mail();
    char *plain = s_compose(&m);
    m.parts = NULL;
    m.n_parts = 0;
    m.html = NULL;
    char *again = s_compose(&m);
    assert_string_equal(plain, again);
    assert_null(strstr(plain, "multipart"));
    free(plain);
    free(again);
}

/* mime_compose refuses input and says why. */
static void s_refuses(const mime_mail_t *m, const char *why)
{
    char err[128];
    char *t = mime_compose(m, err, sizeof err);
    assert_null(t);
    assert_string_equal(err, why);
}

static void test_bad_addresses(void **state)
{
    mime_mail_t m = s_mail();
    m.to = "a@b\r\nRCPT TO:<x@y>";
    s_refuses(&m, "invalid recipient address");
    m.to = "no-at-sign";
    s_refuses(&m, "invalid recipient address");
    m.to = "Name <a@b>";
    s_refuses(&m, "invalid recipient address");
    m.to = NULL;
    s_refuses(&m, "invalid recipient address");
    m = s_mail();
    m.from = "@b";
    s_refuses(&m, "invalid From address");
}

static void test_bad_message_id(void **state)
{
    mime_mail_t m = s_mail();
    m.message_id = "no-at";
    s_refuses(&m, "invalid Message-ID");
    m.message_id = "a b@c";
    s_refuses(&m, "invalid Message-ID");
    m.message_id = "<a@b>\r\nX: y";
    s_refuses(&m, "invalid Message-ID");
    m.message_id = NULL;
    s_refuses(&m, "invalid Message-ID");
}

static void test_bad_utf8(void **state)
{
    mime_mail_t m = s_mail();
    m.body = "caf\xE9\n";
    s_refuses(&m, "body is missing or not UTF-8");
    m = s_mail();
    m.subject = "\xED\xA0\x80"; /* a surrogate */
    s_refuses(&m, "subject is missing or not UTF-8");
    m = s_mail();
    m.from_name = "\xC0\xAF";
    s_refuses(&m, "display name is not UTF-8");
}

static void test_bad_parts(void **state)
{
    mime_part_t part;
    mime_mail_t m = s_html_mail(&part);
    m.html = NULL;
    s_refuses(&m, "inline parts without HTML");
    m = s_html_mail(&part);
    m.html = "<p>caf\xE9</p>";
    s_refuses(&m, "HTML is not UTF-8");
    m = s_html_mail(&part);
    part.cid = "chart\r\nBcc: x@y";
    s_refuses(&m, "invalid Content-ID of an inline part");
    part.cid = "no-at-sign";
    s_refuses(&m, "invalid Content-ID of an inline part");
    m = s_html_mail(&part);
    static const char *const types[] = {"image",  "image/png; x=y", "/png",
                                        "image/", "image/p ng",     NULL};
    for (int i = 0; i < 6; i++) {
        part.content_type = types[i];
        s_refuses(&m, "invalid content type of an inline part");
    }
    m = s_html_mail(&part);
    part.filename = "a\"b.png";
    s_refuses(&m, "invalid file name of an inline part");
    part.filename = "\xC3\xA9.png";
    s_refuses(&m, "invalid file name of an inline part");
    m = s_html_mail(&part);
    part.len = 0;
    s_refuses(&m, "an inline part without data");
    part.len = 4;
    part.data = NULL;
    s_refuses(&m, "an inline part without data");
}

static void test_base64_padding(void **state)
{
    static const char *const cases[][2] = {
        {"\xC3\xA9", "=?UTF-8?B?w6k=?="},
        {"\xC3\xA9\xC3\xA9", "=?UTF-8?B?w6nDqQ==?="},
        {"\xC3\xA9\xC3\xA9\xC3\xA9", "=?UTF-8?B?w6nDqcOp?="},
    };
    for (size_t i = 0; i < 3; i++) {
        mime_mail_t m = s_mail();
        m.subject = cases[i][0];
        char *t = s_compose(&m);
        char want[64];
        snprintf(want, sizeof want, "Subject: %s\r\n", cases[i][1]);
        assert_non_null(strstr(t, want));
        free(t);
    }
}

static void test_addr_valid(void **state)
{
    assert_true(mime_addr_valid("a@b"));
    assert_true(mime_addr_valid("first.last+tag@sub.example.org"));
    assert_false(mime_addr_valid(""));
    assert_false(mime_addr_valid(NULL));
    assert_false(mime_addr_valid("a@"));
    assert_false(mime_addr_valid("@b"));
    assert_false(mime_addr_valid("a b@c"));
    assert_false(mime_addr_valid("a@b\n"));
    assert_false(mime_addr_valid("<a@b>"));
    assert_false(mime_addr_valid("a,b@c"));
    assert_false(mime_addr_valid("j\xC3\xA9@b"));
}

static void test_date(void **state)
{
    char buf[40];
    assert_string_equal(mime_date(0, buf, sizeof buf),
                        "Thu, 01 Jan 1970 00:00:00 +0000");
    assert_string_equal(mime_date(1740992400, buf, sizeof buf),
                        "Mon, 03 Mar 2025 09:00:00 +0000");
}

/* The Date header in the configured zone, with the offset of the day:
 * winter (+0100) and summer (+0200) in Europe/Amsterdam. */
static void test_date_is_in_the_configured_zone(void **state)
{
    char buf[64];
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    assert_string_equal(mime_date(1740992400, buf, sizeof buf),
                        "Mon, 03 Mar 2025 10:00:00 +0100");
    assert_string_equal(mime_date(1751533200, buf, sizeof buf),
                        "Thu, 03 Jul 2025 11:00:00 +0200");
    setenv("TZ", "America/St_Johns", 1); /* a half-hour zone, west */
    tzset();
    assert_string_equal(mime_date(1740992400, buf, sizeof buf),
                        "Mon, 03 Mar 2025 05:30:00 -0330");
    setenv("TZ", "UTC0", 1);
    tzset();
}

int main(void)
{
    setenv("TZ", "UTC0", 1); /* the other tests expect +0000 */
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_utf8_subject_and_body),
        cmocka_unit_test(test_long_subject_folded),
        cmocka_unit_test(test_long_ascii_subject_encoded),
        cmocka_unit_test(test_subject_injection),
        cmocka_unit_test(test_encoded_word_lookalike),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_message_id_brackets),
        cmocka_unit_test(test_display_name_quoted),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_bad_message_id),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_multipart_layout),
        cmocka_unit_test(test_html_without_parts),
        cmocka_unit_test(test_base64_lines_of_76),
        cmocka_unit_test(test_content_cannot_end_a_part),
        cmocka_unit_test(test_single_part_unchanged_by_html_null),
        cmocka_unit_test(test_bad_parts),
        cmocka_unit_test(test_base64_padding),
        cmocka_unit_test(test_addr_valid),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_date_is_in_the_configured_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

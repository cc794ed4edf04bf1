/*
 * Unit tests of tmpl: loading (each rejected input with its exact error),
 * rendering (substitution, header injection, line ends, UTF-8), HTML
 * templates (values escaped, fragments as they are, no Subject line),
 * and the default templates under config/templates (run from the source
 * tree).
 */
#include "mail/tmpl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char s_dir[64];
static char s_path[128];
static char s_err[256];

static const char *s_names[] = {"case", "partner", "date", "regisseur"};
#define S_N (sizeof s_names / sizeof s_names[0])

/* Writes len bytes of text to the test file; returns its path. */
static const char *s_write(const char *text, size_t len)
{
    snprintf(s_path, sizeof s_path, "%s/t.txt", s_dir);
    FILE *f = fopen(s_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return s_path;
}

static tmpl_t *s_load(const char *text)
{
    s_err[0] = '\0';
    return tmpl_load(s_write(text, strlen(text)), s_names, S_N, s_err,
                     sizeof s_err);
}

/* Loads text, expects a failure, and compares the error after "path". */
static void s_rejects(const char *text, const char *want)
{
    char full[256];
    tmpl_t *t = s_load(text);
    assert_null(t);
    snprintf(full, sizeof full, "%s%s", s_path, want);
    assert_string_equal(s_err, full);
}

static int s_setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/regie-tmpl.XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    unlink(s_path);
    return rmdir(s_dir);
}

static void test_render(void **state)
{
    tmpl_t *t = s_load("Subject: Casus {{case}} van {{partner}}\n\n"
                       "Beste {{regisseur}},\n\n{{partner}} meldt op "
                       "{{date}} iets over {{case}}.\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "C-17"},
                      {"partner", "Veilig Thuis"},
                      {"date", "3 maart 2025"},
                      {"regisseur", "José"}};
    char *subject, *body;
    tmpl_render(t, v, 4, &subject, &body);
    assert_string_equal(subject, "Casus C-17 van Veilig Thuis");
    assert_string_equal(body, "Beste José,\n\nVeilig Thuis meldt op "
                              "3 maart 2025 iets over C-17.\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
    assert_null(t);
}

static void test_subject_injection(void **state)
{
    tmpl_t *t = s_load("Subject: Casus {{case}}\n\nTekst {{case}}\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "C-1\r\nBcc: x@evil.example\n\rX\x01Y"}};
    char *subject, *body;
    tmpl_render(t, v, 1, &subject, &body);
    assert_string_equal(subject, "Casus C-1 Bcc: x@evil.example  X Y");
    assert_null(strchr(subject, '\r'));
    assert_null(strchr(subject, '\n'));
    assert_string_equal(body, "Tekst C-1\nBcc: x@evil.example\n\nX Y\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_subject_separators(void **state)
{
    tmpl_t *t = s_load("Subject: {{case}}\n\n{{case}}\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "a\xE2\x80\xA8"
                               "b\xC2\x85"
                               "c\td"}};
    char *subject, *body;
    tmpl_render(t, v, 1, &subject, &body);
    assert_string_equal(subject, "a b c d");
    assert_string_equal(body, "a\xE2\x80\xA8"
                              "b\xC2\x85"
                              "c\td\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_missing_value(void **state)
{
    tmpl_t *t = s_load("Subject: [{{case}}]\n\n[{{partner}}] [{{date}}]\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"partner", NULL}, {"unused", "x"}};
    char *subject, *body;
    tmpl_render(t, v, 2, &subject, &body);
    assert_string_equal(subject, "[]");
    assert_string_equal(body, "[] []\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_value_not_utf8(void **state)
{
    tmpl_t *t = s_load("Subject: {{case}}\n\n{{case}}\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "a\xFF"
                               "b\xC3"}};
    char *subject, *body;
    tmpl_render(t, v, 1, &subject, &body);
    assert_string_equal(subject, "a\xEF\xBF\xBD"
                                 "b\xEF\xBF\xBD");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_value_not_expanded(void **state)
{
    tmpl_t *t = s_load("Subject: {{case}}\n\n{{partner}}\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "{{partner}}"}, {"partner", "{{case}}"}};
    char *subject, *body;
    tmpl_render(t, v, 2, &subject, &body);
    assert_string_equal(subject, "{{partner}}");
    assert_string_equal(body, "{{case}}\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_single_braces(void **state)
{
    tmpl_t *t = s_load("Subject: {a} }} {\n\n{x} }} { } {{case}}}\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "C"}};
    char *subject, *body;
    tmpl_render(t, v, 1, &subject, &body);
    assert_string_equal(subject, "{a} }} {");
    assert_string_equal(body, "{x} }} { } C}\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_crlf_and_bom(void **state)
{
    tmpl_t *t = s_load("\xEF\xBB\xBFSubject:  Casus {{case}} \r\n\r\n"
                       "regel 1\r\nregel 2\rregel 3\r\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "C-2"}};
    char *subject, *body;
    tmpl_render(t, v, 1, &subject, &body);
    assert_string_equal(subject, "Casus C-2");
    assert_string_equal(body, "regel 1\nregel 2\nregel 3\n");
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_subject_case(void **state)
{
    tmpl_t *t = s_load("subject: x\n\ny\n");
    assert_non_null(t);
    tmpl_destroy(&t);
}

static void test_unknown_placeholder(void **state)
{
    s_rejects("Subject: x\n\nregel\nnog een {{case}} en {{foo}}\n",
              ":4: unknown placeholder {{foo}}");
}

static void test_unknown_in_subject(void **state)
{
    s_rejects("Subject: {{bsn}}\n\ntekst\n", ":1: unknown placeholder {{bsn}}");
}

static void test_unterminated(void **state)
{
    s_rejects("Subject: x\n\ntekst\n{{case\n}}\n", ":4: unterminated {{");
    s_rejects("Subject: x\n\ntekst {{case}", ":3: unterminated {{");
    s_rejects("Subject: {{case\n\ntekst\n", ":1: unterminated {{");
}

static void test_bad_name(void **state)
{
    s_rejects("Subject: x\n\n{{ca se}}\n", ":3: bad placeholder {{ca se}}");
    s_rejects("Subject: x\n\n{{}}\n", ":3: bad placeholder {{}}");
    s_rejects("Subject: x\n\n{{{case}}}\n", ":3: bad placeholder {{{case}}");
    s_rejects("Subject: x\n\n{{ case }}\n", ":3: bad placeholder {{ case }}");
}

static void test_missing_subject(void **state)
{
    s_rejects("Onderwerp: x\n\ntekst\n", ":1: missing Subject line");
    s_rejects("\nSubject: x\n\ntekst\n", ":1: missing Subject line");
    s_rejects("", ":1: missing Subject line");
}

static void test_empty_subject(void **state)
{
    s_rejects("Subject: \t \n\ntekst\n", ":1: empty Subject");
}

static void test_no_empty_line(void **state)
{
    s_rejects("Subject: x\ntekst\n",
              ":2: expected an empty line after the Subject line");
    s_rejects("Subject: x",
              ":2: expected an empty line after the Subject line");
    s_rejects("Subject: x\n",
              ":2: expected an empty line after the Subject line");
}

static void test_empty_body(void **state)
{
    s_rejects("Subject: x\n\n", ":3: empty body");
    s_rejects("Subject: x\n\n \n\t\n", ":3: empty body");
}

static void test_not_utf8(void **state)
{
    s_rejects("Subject: x\n\ngoed\nfout \xE9t\n", ":4: not UTF-8 text");
    s_rejects("Subject: x\xC0\xAF\n\ny\n", ":1: not UTF-8 text");
}

static void test_nul_byte(void **state)
{
    static const char text[] = "Subject: x\n\nab\0c\n";
    s_err[0] = '\0';
    tmpl_t *t = tmpl_load(s_write(text, sizeof text - 1), s_names, S_N, s_err,
                          sizeof s_err);
    assert_null(t);
    assert_non_null(strstr(s_err, ":3: contains a NUL byte"));
}

static void test_too_large(void **state)
{
    size_t n = TMPL_MAX_BYTES + 1;
    char *text = malloc(n);
    assert_non_null(text);
    memset(text, 'a', n);
    memcpy(text, "Subject: x\n\n", 12);
    tmpl_t *t = tmpl_load(s_write(text, n), s_names, S_N, s_err, sizeof s_err);
    free(text);
    assert_null(t);
    assert_non_null(strstr(s_err, ": larger than 65536 bytes"));
}

static void test_no_file(void **state)
{
    tmpl_t *t =
        tmpl_load("/nonexistent/x.txt", s_names, S_N, s_err, sizeof s_err);
    assert_null(t);
    assert_string_equal(s_err, "/nonexistent/x.txt: cannot read: "
                               "No such file or directory");
}

static void test_destroy_null(void **state)
{
    tmpl_t *t = NULL;
    tmpl_destroy(&t);
    tmpl_destroy(NULL);
}

/* Writes text and loads it as an HTML template. */
static tmpl_t *s_load_html(const char *text)
{
    s_err[0] = '\0';
    return tmpl_load_html(s_write(text, strlen(text)), s_names, S_N, s_err,
                          sizeof s_err);
}

static void test_html_escapes_values(void **state)
{
    tmpl_t *t = s_load_html("<p title=\"{{partner}}\">{{regisseur}}</p>\n"
                            "<table>{{case}}</table>\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"partner", "a\"b'c"},
                      {"regisseur", "<script>alert(1)</script> & Zn"}};
    tmpl_var_t f[] = {{"case", "<tr><td>C-17</td></tr>"},
                      {"regisseur", "<b>not used: a var comes first</b>"}};
    char *out = tmpl_render_html(t, v, 2, f, 2);
    assert_string_equal(out, "<p title=\"a&quot;b&#39;c\">&lt;script&gt;"
                             "alert(1)&lt;/script&gt; &amp; Zn</p>\n"
                             "<table><tr><td>C-17</td></tr></table>\n");
    free(out);
    tmpl_destroy(&t);
}

static void test_html_values_made_safe(void **state)
{
    tmpl_t *t = s_load_html("<pre>{{case}}</pre>{{date}}");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "a\r\nb\rc\x01\td\xff"}};
    char *out = tmpl_render_html(t, v, 1, NULL, 0);
    assert_string_equal(out, "<pre>a\nb\nc \td\xEF\xBF\xBD</pre>");
    free(out);
    char *e = tmpl_html_escape(NULL);
    assert_string_equal(e, "");
    free(e);
    e = tmpl_html_escape("Café & <Zn>");
    assert_string_equal(e, "Café &amp; &lt;Zn&gt;");
    free(e);
    tmpl_destroy(&t);
}

static void test_html_has_no_subject(void **state)
{
    tmpl_t *t = s_load_html("\xEF\xBB\xBF<html>\r\n{{case}}\r\n</html>\r\n");
    assert_non_null(t);
    tmpl_var_t v[] = {{"case", "C-17"}};
    char *out = tmpl_render_html(t, v, 1, NULL, 0);
    assert_string_equal(out, "<html>\nC-17\n</html>\n");
    free(out);
    tmpl_destroy(&t);
}

/* Loads text as HTML, expects a failure with want after the path. */
static void s_rejects_html(const char *text, const char *want)
{
    char full[256];
    assert_null(s_load_html(text));
    snprintf(full, sizeof full, "%s%s", s_path, want);
    assert_string_equal(s_err, full);
}

static void test_html_rejects(void **state)
{
    s_rejects_html("<p>\n{{bsn}}</p>", ":2: unknown placeholder {{bsn}}");
    s_rejects_html("<p>{{case</p>", ":1: unterminated {{");
    s_rejects_html("<p>{{ca-se}}</p>", ":1: bad placeholder {{ca-se}}");
    s_rejects_html(" \n\t\n", ":1: empty body");
    s_rejects_html("<p>\n\xC3</p>", ":2: not UTF-8 text");
    char nul[] = "<p>\n\n\0</p>";
    assert_null(tmpl_load_html(s_write(nul, sizeof nul - 1), s_names, S_N,
                               s_err, sizeof s_err));
    assert_non_null(strstr(s_err, ":3: contains a NUL byte"));
}

/* The default templates, with the placeholders config/templates/README
 * gives each; run from the top of the source tree. */
static void s_default(const char *file, const char *const names[], size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "config/templates/%s", file);
    tmpl_t *t = tmpl_load(path, names, n, s_err, sizeof s_err);
    if (!t)
        fail_msg("%s", s_err);
    tmpl_var_t v[] = {{"case", "C-17"}};
    char *subject, *body;
    tmpl_render(t, v, 1, &subject, &body);
    assert_non_null(strstr(subject, "C-17"));
    free(subject);
    free(body);
    tmpl_destroy(&t);
}

static void test_defaults(void **state)
{
    static const char *const referral[] = {
        "regisseur",     "case",         "referral", "partner",
        "kind",          "date",         "urgency",  "contact_name",
        "contact_email", "contact_phone"};
    static const char *const overlap[] = {"case",    "cases", "referral",
                                          "partner", "kind",  "date"};
    static const char *const assigned[] = {"regisseur", "case", "date"};
    s_default("referral_regisseur.txt", referral, 10);
    s_default("referral_kernteam.txt", referral + 1, 9);
    s_default("overlap_kernteam.txt", overlap, 6);
    s_default("assigned_regisseur.txt", assigned, 3);
    s_default("unassigned_regisseur.txt", assigned, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_subject_injection),
        cmocka_unit_test(test_subject_separators),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_value_not_utf8),
        cmocka_unit_test(test_value_not_expanded),
        cmocka_unit_test(test_single_braces),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_subject_case),
        cmocka_unit_test(test_unknown_placeholder),
        cmocka_unit_test(test_unknown_in_subject),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_bad_name),
        cmocka_unit_test(test_missing_subject),
        cmocka_unit_test(test_empty_subject),
        cmocka_unit_test(test_no_empty_line),
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_destroy_null),
        cmocka_unit_test(test_html_escapes_values),
        cmocka_unit_test(test_html_values_made_safe),
        cmocka_unit_test(test_html_has_no_subject),
        cmocka_unit_test(test_html_rejects),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

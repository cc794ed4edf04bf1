/*
 * test_ijwxml — libxml2 for iStandaarden messages: what a message that is
 * not well-formed, empty or carries a DOCTYPE reports; no entity is ever
 * expanded (a billion-laughs file is one problem, an external entity's
 * file is never opened); validation against the trimmed XSDs of
 * tests/data/ijw/xsd; the helpers that find elements and hand out text.
 * An alarm ends a test that would hang on a FIFO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "ijwfix.h"
#include "ijwxml.h"
#include "log.h"
#include "strbuf.h"

#define JW_XSD IJWFIX_DATA "xsd/ijw/jw315.xsd"
#define WMO_XSD IJWFIX_DATA "xsd/iwmo/wmo315.xsd"

/* Collects each problem as "line: text\n". */
static void s_collect(void *data, long line, const char *text)
{
    strbuf_printf(data, "%ld: %s\n", line, text);
}

/* Parses text; returns its problems (caller frees), *doc the document. */
static char *s_read(const char *text, size_t len, xmlDocPtr *doc)
{
    strbuf_t b = {0};
    *doc = ijwxml_read(text, len, s_collect, &b);
    return strbuf_take(&b);
}

/* Asserts that text is refused with exactly the problems want. */
static void s_assert_refused(const char *text, const char *want)
{
    xmlDocPtr doc;
    char *got = s_read(text, strlen(text), &doc);
    assert_null(doc);
    assert_string_equal(got, want);
    free(got);
}

/* Validates fixture name against xsd; returns the problems. */
static char *s_validate(const char *name, const char *xsd, int want_rc)
{
    char *text = ijwfix_load(name);
    xmlDocPtr doc = ijwxml_read(text, strlen(text), ijwfix_no_problem, NULL);
    strbuf_t b = {0};
    assert_int_equal(ijwxml_validate(doc, xsd, s_collect, &b), want_rc);
    xmlFreeDoc(doc);
    free(text);
    return strbuf_take(&b);
}

static void test_malformed(void **state)
{
    char *text = ijwfix_load("malformed.xml");
    s_assert_refused(text, "19: not well-formed XML: Opening and ending tag "
                           "mismatch: Bsn line 19 and Bsm\n");
    free(text);
}

static void test_undeclared_prefix(void **state)
{
    char *text = ijwfix_subst(ijwfix_load("jw315-one.xml"),
                              "<ijw:Datum>2014-03-02</ijw:Datum>",
                              "<x:Datum>2014-03-02</x:Datum>");
    s_assert_refused(text, "21: not well-formed XML: Namespace prefix x on "
                           "Datum is not defined\n");
    free(text);
}

static void test_empty(void **state)
{
    xmlDocPtr doc;
    char *got = s_read("", 0, &doc);
    assert_null(doc);
    assert_string_equal(got, "0: the message is empty\n");
    free(got);
}

static void test_doctype_refused(void **state)
{
    char *text =
        ijwfix_subst(ijwfix_load("jw315-one.xml"), "<jw315:Bericht ",
                     "<!DOCTYPE jw315:Bericht [<!ENTITY a \"aaaa\">]>\n"
                     "<jw315:Bericht ");
    text = ijwfix_subst(text, "REF-2026-0001", "&a;");
    s_assert_refused(text, "0: a DOCTYPE is not allowed in an iStandaarden "
                           "message\n");
    free(text);
}

static void test_billion_laughs_is_one_problem(void **state)
{
    /* libxml2 reports the loop once per entity it unwinds: kept once, at
     * the reference in the message (line 15) */
    char *text = ijwfix_load("billion-laughs.xml");
    alarm(10);
    s_assert_refused(text, "15: not well-formed XML: Detected an entity "
                           "reference loop\n");
    alarm(0);
    free(text);
}

static void test_repeated_problem_once_others_kept(void **state)
{
    /* an undefined entity twice (different lines), then a tag mismatch */
    s_assert_refused("<a>&x;\n&x;</b>",
                     "2: not well-formed XML: Entity 'x' not defined\n"
                     "2: not well-formed XML: Opening and ending tag "
                     "mismatch: a line 1 and b\n");
}

static void test_external_entity_never_opened(void **state)
{
    /* with XML_PARSE_NOENT libxml2 would open the entity's file: here a
     * FIFO, on which it would wait for ever */
    char dir[] = "/tmp/test_ijwxml.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *fifo = xasprintf("%s/secret", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *text = xasprintf("<!DOCTYPE a [<!ENTITY x SYSTEM \"file://%s\">]>\n"
                           "<a>&x;</a>",
                           fifo);
    alarm(10);
    s_assert_refused(text, "0: a DOCTYPE is not allowed in an iStandaarden "
                           "message\n");
    alarm(0);
    free(text);
    unlink(fifo);
    rmdir(dir);
    free(fifo);
}

static void test_schema_valid_messages(void **state)
{
    const char *files[] = {"jw315-one.xml", "jw315-products.xml",
                           "jw315-dupref.xml"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *got = s_validate(files[i], JW_XSD, 0);
        assert_string_equal(got, "");
        free(got);
    }
    char *got = s_validate("wmo315-one.xml", WMO_XSD, 0);
    assert_string_equal(got, "");
    free(got);
}

static void test_schema_invalid(void **state)
{
    char *got = s_validate("schema-invalid.xml", JW_XSD, 1);
    assert_string_equal(got,
                        "7: schema: Element 'jw315:Afzender': [facet "
                        "'pattern'] The value '1234567' is not accepted by "
                        "the pattern '[0-9]{8}'.\n"
                        "23: schema: Element 'jw315:Geslacht': [facet "
                        "'enumeration'] The value '7' is not an element of "
                        "the set {'0', '1', '2'}.\n"
                        "38: schema: Element 'jw315:Omvang': This element is "
                        "not expected. Expected is one of ( jw315:"
                        "BeschikkingIngangsdatum, jw315:"
                        "ToewijzingIngangsdatum ).\n");
    free(got);
}

static void test_schema_one_client_per_message(void **state)
{
    char *got = s_validate("jw315-clients.xml", JW_XSD, 1);
    assert_string_equal(got, "43: schema: Element 'jw315:Client': This "
                             "element is not expected.\n");
    free(got);
}

static void test_schema_that_does_not_load(void **state)
{
    log_set_level(LOG_LEVEL_ERR - 1);
    char *got = s_validate("jw315-one.xml", IJWFIX_DATA "xsd/none.xsd", -1);
    log_set_level(LOG_LEVEL_INFO);
    assert_string_equal(got, "");
    free(got);
}

static void test_schema_not_a_regular_file(void **state)
{
    char dir[] = "/tmp/test_ijwxml.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *fifo = xasprintf("%s/jw315.xsd", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    log_set_level(LOG_LEVEL_ERR - 1);
    alarm(10); /* a validation that waits on the FIFO ends the test */
    char *got = s_validate("jw315-one.xml", fifo, -1);
    alarm(0);
    log_set_level(LOG_LEVEL_INFO);
    assert_string_equal(got, "");
    free(got);
    unlink(fifo);
    rmdir(dir);
    free(fifo);
}

static void test_value_trimmed_or_null(void **state)
{
    xmlDocPtr doc = ijwfix_one_with(
        "<jw315:Geslacht>2</jw315:Geslacht>",
        "<jw315:Geslacht>\n 2 </jw315:Geslacht><jw315:Leeg/><jw315:Wit> "
        "</jw315:Wit><jw315:Cdata><![CDATA[ c ]]></jw315:Cdata>");
    xmlNodePtr client = ijwfix_client(doc), at;
    char *v = ijwxml_value(client, "Geslacht", &at);
    assert_string_equal(v, "2");
    assert_int_equal(ijwxml_line(at), 23);
    free(v);
    assert_null(ijwxml_value(client, "Leeg", &at));
    assert_non_null(at);
    assert_null(ijwxml_value(client, "Wit", &at));
    assert_non_null(at);
    v = ijwxml_value(client, "Cdata", NULL);
    assert_string_equal(v, "c");
    free(v);
    assert_null(ijwxml_value(client, "Geen", &at));
    assert_null(at);
    assert_int_equal(ijwxml_line(NULL), 0);
    xmlFreeDoc(doc);
}

static void test_quote_and_text(void **state)
{
    char *q = ijwxml_quote("a\tb");
    assert_string_equal(q, "a b");
    free(q);
    char long_text[80];
    memset(long_text, 'x', 79);
    long_text[79] = '\0';
    q = ijwxml_quote(long_text);
    assert_int_equal(strlen(q), 64 + 3);
    assert_string_equal(q + 64, "...");
    free(q);
    assert_true(ijwxml_printable("Dr. Jans\xc3\xa9n"));
    assert_false(ijwxml_printable("a\tb"));
    assert_false(ijwxml_printable("a\x7f"));
    assert_false(ijwxml_printable("a\xc2\x85"));
    assert_int_equal(ijwxml_utf8_len("\xc3\xa9t\xc3\xa9"), 3);
    assert_int_equal(ijwxml_utf8_prefix("\xc3\xa9t\xc3\xa9", 2), 3);
}

static int s_setup(void **state)
{
    xmlInitParser();
    return 0;
}

static int s_teardown(void **state)
{
    xmlCleanupParser();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_undeclared_prefix),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_billion_laughs_is_one_problem),
        cmocka_unit_test(test_repeated_problem_once_others_kept),
        cmocka_unit_test(test_external_entity_never_opened),
        cmocka_unit_test(test_schema_valid_messages),
        cmocka_unit_test(test_schema_invalid),
        cmocka_unit_test(test_schema_one_client_per_message),
        cmocka_unit_test(test_schema_that_does_not_load),
        cmocka_unit_test(test_schema_not_a_regular_file),
        cmocka_unit_test(test_value_trimmed_or_null),
        cmocka_unit_test(test_quote_and_text),
    };
    return cmocka_run_group_tests_name("ijwxml", tests, s_setup, s_teardown);
}

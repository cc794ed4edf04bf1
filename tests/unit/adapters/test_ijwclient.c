/*
 * test_ijwclient — what a Client's records share: the BSN (zero-padded,
 * the elfproef, never quoted in a problem), the birth date only when
 * fully known, Client/Commentaar; one test per rejected input. Fixtures
 * from tests/data/ijw, changed by one substitution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "ijwclient.h"
#include "ijwfix.h"

/* Reads the Client of jw315-one.xml changed by one substitution. */
static void s_read_with(ijwclient_t *cl, const char *from, const char *to)
{
    xmlDocPtr doc = ijwfix_one_with(from, to);
    ijwclient_read(cl, ijwfix_client(doc), "m.xml");
    xmlFreeDoc(doc);
}

/* Asserts the Client is refused for want. */
static void s_assert_refused(const char *from, const char *to, const char *want)
{
    ijwclient_t cl;
    s_read_with(&cl, from, to);
    assert_non_null(cl.error);
    assert_string_equal(cl.error, want);
    ijwclient_clear(&cl);
}

static void test_reads_bsn_and_birth_date(void **state)
{
    ijwclient_t cl;
    s_read_with(&cl, NULL, NULL);
    assert_null(cl.error);
    assert_string_equal(cl.bsn, "999900006");
    assert_string_equal(cl.birth_date, "2014-03-02");
    assert_null(cl.comment);
    ijwclient_clear(&cl);
    assert_null(cl.birth_date);
    ijwclient_clear(NULL);
}

static void test_comment(void **state)
{
    ijwclient_t cl;
    s_read_with(&cl, "<jw315:AangevraagdeProducten>",
                "<jw315:Commentaar> Graag snel. </jw315:Commentaar>\n"
                "<jw315:AangevraagdeProducten>");
    assert_null(cl.error);
    assert_string_equal(cl.comment, "Graag snel.");
    ijwclient_clear(&cl);
}

static void test_bsn_zero_padded(void **state)
{
    ijwclient_t cl;
    s_read_with(&cl, "999900006", "12345672");
    assert_null(cl.error);
    assert_string_equal(cl.bsn, "012345672");
    ijwclient_clear(&cl);
}

static void test_bsn_fails_elfproef(void **state)
{
    s_assert_refused("999900006", "999900007",
                     "m.xml:19: Client/Bsn fails the elfproef");
}

static void test_bsn_all_zeros(void **state)
{
    s_assert_refused("999900006", "000000000",
                     "m.xml:19: Client/Bsn is all zeros");
    s_assert_refused("999900006", "0", "m.xml:19: Client/Bsn is all zeros");
}

static void test_bsn_not_digits(void **state)
{
    s_assert_refused("999900006", "99990000A",
                     "m.xml:19: Client/Bsn is not a number of 1 to 9 digits");
}

static void test_bsn_too_long(void **state)
{
    s_assert_refused("999900006", "0999900006",
                     "m.xml:19: Client/Bsn is not a number of 1 to 9 digits");
}

static void test_bsn_empty(void **state)
{
    s_assert_refused("999900006", " ", "m.xml:19: Client/Bsn is empty");
    s_assert_refused("<jw315:Bsn>999900006</jw315:Bsn>", "<jw315:Bsn/>",
                     "m.xml:19: Client/Bsn is empty");
}

static void test_bsn_missing(void **state)
{
    s_assert_refused("<jw315:Bsn>999900006</jw315:Bsn>", "",
                     "m.xml:18: Client/Bsn is missing");
}

static void test_bad_birth_date(void **state)
{
    s_assert_refused("2014-03-02", "2014-02-30",
                     "m.xml:21: Client/Geboortedatum/Datum is not a date "
                     "(YYYY-MM-DD)");
}

static void test_birth_date_missing(void **state)
{
    s_assert_refused("<ijw:Datum>2014-03-02</ijw:Datum>", "",
                     "m.xml:20: Client/Geboortedatum/Datum is missing");
}

static void test_bad_datumgebruik(void **state)
{
    s_assert_refused("</ijw:Datum>",
                     "</ijw:Datum><ijw:DatumGebruik>9</ijw:DatumGebruik>",
                     "m.xml:21: Client/Geboortedatum/DatumGebruik '9' is "
                     "not a COD170 code");
}

static void test_birth_date_only_when_known(void **state)
{
    const char *uses[] = {"1", "2", "3"};
    for (size_t i = 0; i < 3; i++) {
        char *to = xasprintf("</ijw:Datum><ijw:DatumGebruik>%s"
                             "</ijw:DatumGebruik>",
                             uses[i]);
        ijwclient_t cl;
        s_read_with(&cl, "</ijw:Datum>", to);
        assert_null(cl.error);
        if (i == 0)
            assert_string_equal(cl.birth_date, "2014-03-02");
        else
            assert_null(cl.birth_date);
        ijwclient_clear(&cl);
        free(to);
    }
}

static void test_all_problems_of_a_client(void **state)
{
    char *text =
        ijwfix_subst(ijwfix_load("jw315-one.xml"), "999900006", "999900007");
    text = ijwfix_subst(text, "2014-03-02", "2014-02-30");
    xmlDocPtr doc = ijwxml_read(text, strlen(text), ijwfix_no_problem, NULL);
    ijwclient_t cl;
    ijwclient_read(&cl, ijwfix_client(doc), "m.xml");
    assert_string_equal(cl.error,
                        "m.xml:19: Client/Bsn fails the elfproef\n"
                        "m.xml:21: Client/Geboortedatum/Datum is not a date "
                        "(YYYY-MM-DD)");
    assert_null(strstr(cl.error, "999900007"));
    ijwclient_clear(&cl);
    xmlFreeDoc(doc);
    free(text);
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
        cmocka_unit_test(test_reads_bsn_and_birth_date),
        cmocka_unit_test(test_comment),
        cmocka_unit_test(test_bsn_zero_padded),
        cmocka_unit_test(test_bsn_fails_elfproef),
        cmocka_unit_test(test_bsn_all_zeros),
        cmocka_unit_test(test_bsn_not_digits),
        cmocka_unit_test(test_bsn_too_long),
        cmocka_unit_test(test_bsn_empty),
        cmocka_unit_test(test_bsn_missing),
        cmocka_unit_test(test_bad_birth_date),
        cmocka_unit_test(test_birth_date_missing),
        cmocka_unit_test(test_bad_datumgebruik),
        cmocka_unit_test(test_birth_date_only_when_known),
        cmocka_unit_test(test_all_problems_of_a_client),
    };
    return cmocka_run_group_tests_name("ijwclient", tests, s_setup, s_teardown);
}

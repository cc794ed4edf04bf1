/*
 * test_ijwreferrer — contact.name from AangevraagdProduct/Verwijzer: the
 * Naam, else (also for an empty or blank Naam) the COD327 label with the
 * ZorgverlenerCode, else the label; control characters made spaces, a
 * long name cut; one test per rejected input. Fixtures from
 * tests/data/ijw, changed by one substitution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "ijwfix.h"
#include "ijwreferrer.h"

#define AGB "<ijw:ZorgverlenerCode>01234567</ijw:ZorgverlenerCode>"

/* contact.name of jw315-one.xml changed by one substitution; *err gets
 * the problems (caller frees both). */
static char *s_name_with(const char *from, const char *to, char **err)
{
    xmlDocPtr doc = ijwfix_one_with(from, to);
    *err = NULL;
    char *name = ijwreferrer_name(ijwfix_product(doc), "m.xml", err);
    xmlFreeDoc(doc);
    return name;
}

static void s_assert_name(const char *from, const char *to, const char *want)
{
    char *err;
    char *name = s_name_with(from, to, &err);
    assert_null(err);
    assert_non_null(name);
    assert_string_equal(name, want);
    free(name);
}

static void s_assert_refused(const char *from, const char *to, const char *want)
{
    char *err;
    char *name = s_name_with(from, to, &err);
    assert_null(name);
    assert_non_null(err);
    assert_string_equal(err, want);
    free(err);
}

static void test_label_and_agb(void **state)
{
    s_assert_name(NULL, NULL, "huisarts 01234567");
}

static void test_naam_first(void **state)
{
    s_assert_name(AGB, "<ijw:Naam>Huisartsenpraktijk De Linde</ijw:Naam>",
                  "Huisartsenpraktijk De Linde");
    s_assert_name(AGB, AGB "<ijw:Naam> Dr. Jansen </ijw:Naam>", "Dr. Jansen");
}

static void test_label_alone(void **state)
{
    s_assert_name(AGB, "", "huisarts");
    s_assert_name("<ijw:Type>02<", "<ijw:Type>06<",
                  "zelfverwijzer/geen verwijzer 01234567");
}

static void test_empty_naam_gives_label(void **state)
{
    const char *empty[] = {"<ijw:Naam></ijw:Naam>",
                           "<ijw:Naam/>",
                           "<ijw:Naam>  \n </ijw:Naam>",
                           "<ijw:Naam><!-- niets --></ijw:Naam>",
                           "<ijw:Naam>&#160;&#x200B; &#xFEFF;</ijw:Naam>",
                           "<ijw:Naam>&#9;&#x85;</ijw:Naam>"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        char *with_agb = xasprintf("%s" AGB, empty[i]);
        s_assert_name(AGB, with_agb, "huisarts 01234567");
        s_assert_name(AGB, empty[i], "huisarts");
        free(with_agb);
    }
}

static void test_naam_made_fit(void **state)
{
    s_assert_name(AGB, "<ijw:Naam>Huisarts&#9;De&#xA;Linde</ijw:Naam>",
                  "Huisarts De Linde");
    s_assert_name(AGB, "<ijw:Naam>&#x85;&#160;Dr. Jansen&#160;</ijw:Naam>",
                  "Dr. Jansen");
    char *name = xmalloc(250 * 2 + 1);
    for (size_t i = 0; i < 250; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[500] = '\0';
    char *to = xasprintf("<ijw:Naam>%s</ijw:Naam>", name);
    name[2 * IJWREFERRER_NAME_MAX] = '\0';
    s_assert_name(AGB, to, name);
    free(to);
    free(name);
}

static void test_agb_made_fit(void **state)
{
    s_assert_name("01234567", "0123&#9;4567", "huisarts 0123 4567");
    s_assert_name("01234567", "&#160;", "huisarts");
}

static void test_nothing_usable(void **state)
{
    /* an empty Naam and no Type: nothing to name the referrer by */
    s_assert_refused("<ijw:Type>02</ijw:Type>", "<ijw:Naam/>",
                     "m.xml:44: Verwijzer/Type is missing");
    s_assert_refused("<ijw:Type>02</ijw:Type>",
                     "<ijw:Type> </ijw:Type><ijw:Naam> </ijw:Naam>",
                     "m.xml:45: Verwijzer/Type is empty");
}

static void test_every_cod327_code(void **state)
{
    const char *codes[][2] = {{"01", "gemeente"},
                              {"02", "huisarts"},
                              {"03", "jeugdarts"},
                              {"04", "gecertificeerde instelling"},
                              {"05", "medisch specialist"},
                              {"06", "zelfverwijzer/geen verwijzer"},
                              {"08", "rechter/OvJ/functionaris JJI"}};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        char *text = xasprintf("<ijw:Type>%s</ijw:Type>", codes[i][0]);
        s_assert_name("<ijw:Type>02</ijw:Type>\n          " AGB, text,
                      codes[i][1]);
        free(text);
    }
}

static void test_unknown_type(void **state)
{
    s_assert_refused("<ijw:Type>02<", "<ijw:Type>07<",
                     "m.xml:45: Verwijzer/Type '07' is not a COD327 code");
}

static void test_missing_type(void **state)
{
    s_assert_refused("<ijw:Type>02</ijw:Type>", "",
                     "m.xml:44: Verwijzer/Type is missing");
    s_assert_refused("<ijw:Type>02</ijw:Type>", "<ijw:Type/>",
                     "m.xml:45: Verwijzer/Type is empty");
}

static void test_missing_verwijzer(void **state)
{
    s_assert_refused("<jw315:Verwijzer>\n          <ijw:Type>02</ijw:Type>\n"
                     "          " AGB "\n        </jw315:Verwijzer>",
                     "", "m.xml:32: AangevraagdProduct/Verwijzer is missing");
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
        cmocka_unit_test(test_label_and_agb),
        cmocka_unit_test(test_naam_first),
        cmocka_unit_test(test_label_alone),
        cmocka_unit_test(test_empty_naam_gives_label),
        cmocka_unit_test(test_naam_made_fit),
        cmocka_unit_test(test_agb_made_fit),
        cmocka_unit_test(test_nothing_usable),
        cmocka_unit_test(test_every_cod327_code),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_missing_type),
        cmocka_unit_test(test_missing_verwijzer),
    };
    return cmocka_run_group_tests_name("ijwreferrer", tests, s_setup,
                                       s_teardown);
}

/*
 * test_ijwid — the external_id of a requested product: Afzender,
 * Identificatie and ReferentieAanbieder; a reference repeated in the
 * message gets the product's place; a long one is cut and hashed, the
 * same for the same input; one test per rejected input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "ijwfix.h"
#include "ijwid.h"

#define REF "REF-2026-0001"

/* The id of the first product of jw315-one.xml with REF replaced by ref
 * (caller frees); *err gets the problems. */
static char *s_id_of(const char *ref, char **err)
{
    xmlDocPtr doc = ijwfix_one_with(REF, ref);
    ijwid_t *ids =
        ijwid_new(xmlDocGetRootElement(doc), "12345678", "JW315-00041");
    *err = NULL;
    char *id = ijwid_make(ids, ijwfix_product(doc), 0, "m.xml", err);
    ijwid_destroy(&ids);
    assert_null(ids);
    xmlFreeDoc(doc);
    return id;
}

static void test_afzender_identificatie_reference(void **state)
{
    char *err;
    char *id = s_id_of(REF, &err);
    assert_null(err);
    assert_string_equal(id, "12345678-JW315-00041-REF-2026-0001");
    free(id);
    ijwid_destroy(NULL);
}

static void test_repeated_reference_gets_place(void **state)
{
    char *text = ijwfix_load("jw315-dupref.xml");
    xmlDocPtr doc = ijwxml_read(text, strlen(text), ijwfix_no_problem, NULL);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ijwid_t *ids = ijwid_new(root, "12345678", "JW315-00046");
    xmlNodePtr p = ijwfix_product(doc);
    char *err = NULL;
    char *a = ijwid_make(ids, p, 0, "m.xml", &err);
    p = ijwxml_next(p->next, "AangevraagdProduct");
    char *b = ijwid_make(ids, p, 1, "m.xml", &err);
    assert_null(err);
    assert_string_equal(a, "12345678-JW315-00046-88EFE7#1");
    assert_string_equal(b, "12345678-JW315-00046-88EFE7#2");
    free(a);
    free(b);
    ijwid_destroy(&ids);
    xmlFreeDoc(doc);
    free(text);
}

static void test_long_id_hashed(void **state)
{
    char ref[131], ref2[131], *err;
    memset(ref, 'R', 130);
    ref[130] = '\0';
    memcpy(ref2, ref, sizeof ref);
    ref2[129] = 'S';
    char *a = s_id_of(ref, &err);
    char *b = s_id_of(ref, &err);
    char *c = s_id_of(ref2, &err);
    assert_null(err);
    assert_int_equal(strlen(a), IJWID_MAX);
    assert_memory_equal(a, "12345678-JW315-00041-RRRR", 25);
    assert_int_equal(a[95], '~');
    assert_int_equal(strspn(a + 96, "0123456789abcdef"), 32);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

static void test_id_of_128_characters_kept(void **state)
{
    char ref[129 - 21], *err; /* "12345678-JW315-00041-" is 21 */
    memset(ref, 'R', sizeof ref - 1);
    ref[sizeof ref - 1] = '\0';
    char *id = s_id_of(ref, &err);
    assert_int_equal(strlen(id), IJWID_MAX);
    assert_null(strchr(id, '~'));
    free(id);
}

static void test_missing_reference(void **state)
{
    xmlDocPtr doc = ijwfix_one_with(
        "<jw315:ReferentieAanbieder>" REF "</jw315:ReferentieAanbieder>", "");
    ijwid_t *ids = ijwid_new(xmlDocGetRootElement(doc), "1", "2");
    char *err = NULL;
    assert_null(ijwid_make(ids, ijwfix_product(doc), 0, "m.xml", &err));
    assert_string_equal(err, "m.xml:32: AangevraagdProduct/"
                             "ReferentieAanbieder is missing");
    free(err);
    ijwid_destroy(&ids);
    xmlFreeDoc(doc);
}

static void test_empty_reference(void **state)
{
    char *err;
    assert_null(s_id_of(" ", &err));
    assert_string_equal(err, "m.xml:33: AangevraagdProduct/"
                             "ReferentieAanbieder is empty");
    free(err);
}

static void test_reference_with_control_character(void **state)
{
    char *err;
    assert_null(s_id_of("REF&#9;0001", &err));
    assert_string_equal(err, "m.xml:33: AangevraagdProduct/"
                             "ReferentieAanbieder has a control character");
    free(err);
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
        cmocka_unit_test(test_afzender_identificatie_reference),
        cmocka_unit_test(test_repeated_reference_gets_place),
        cmocka_unit_test(test_long_id_hashed),
        cmocka_unit_test(test_id_of_128_characters_kept),
        cmocka_unit_test(test_missing_reference),
        cmocka_unit_test(test_empty_reference),
        cmocka_unit_test(test_reference_with_control_character),
    };
    return cmocka_run_group_tests_name("ijwid", tests, s_setup, s_teardown);
}

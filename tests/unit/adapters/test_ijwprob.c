/*
 * test_ijwprob — problem texts: "source:line: text" (without a line
 * "source: text"), a record's problems joined by newlines in the order
 * found, and "is missing" / "is empty".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>
#include <libxml/tree.h>

#include "ijwprob.h"

static void test_at(void **state)
{
    char *s = ijwprob_at("m.xml", 19, "Client/Bsn is missing");
    assert_string_equal(s, "m.xml:19: Client/Bsn is missing");
    free(s);
    s = ijwprob_at("m.xml", 0, "the message is empty");
    assert_string_equal(s, "m.xml: the message is empty");
    free(s);
}

static void test_list_in_order(void **state)
{
    char *list = NULL;
    ijwprob_add(&list, "m.xml", 19, "Client/Bsn %s", "is all zeros");
    assert_string_equal(list, "m.xml:19: Client/Bsn is all zeros");
    ijwprob_add(&list, "m.xml", 45, "Verwijzer/Type '%s' is not a COD327 code",
                "99");
    ijwprob_add(&list, "m.xml", 0, "%d more", 3);
    assert_string_equal(list, "m.xml:19: Client/Bsn is all zeros\n"
                              "m.xml:45: Verwijzer/Type '99' is not a "
                              "COD327 code\n"
                              "m.xml: 3 more");
    free(list);
}

static void test_absent(void **state)
{
    xmlNode n = {.type = XML_ELEMENT_NODE};
    assert_string_equal(ijwprob_absent(&n), "is empty");
    assert_string_equal(ijwprob_absent(NULL), "is missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at),
        cmocka_unit_test(test_list_in_order),
        cmocka_unit_test(test_absent),
    };
    return cmocka_run_group_tests_name("ijwprob", tests, NULL, NULL);
}

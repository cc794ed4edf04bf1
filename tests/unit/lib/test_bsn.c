/*
 * Unit tests of bsn (the elfproef) and pseudo (keyed pseudonyms).
 */
#include "bsn.h"
#include "pseudo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void test_valid(void **state)
{
    assert_true(bsn_valid("999990019"));
    assert_true(bsn_valid("123456782"));
    assert_true(bsn_valid("111222333"));
}

static void test_elfproef(void **state)
{
    char why[64];
    assert_false(bsn_check("123456789", why, sizeof why));
    assert_string_equal(why, "fails the elfproef");
}

static void test_length(void **state)
{
    char why[64];
    assert_false(bsn_check("99999001", why, sizeof why));
    assert_string_equal(why, "is not 9 digits");
    assert_false(bsn_check("9999900190", why, sizeof why));
    assert_false(bsn_check("", why, sizeof why));
    assert_false(bsn_check(NULL, why, sizeof why));
}

static void test_letters(void **state)
{
    char why[64];
    assert_false(bsn_check("99999001a", why, sizeof why));
    assert_string_equal(why, "is not 9 digits");
    assert_false(bsn_check("99999 019", why, sizeof why));
}

static void test_zeros(void **state)
{
    char why[64];
    assert_false(bsn_check("000000000", why, sizeof why));
    assert_string_equal(why, "is all zeros");
}

static void test_pseudonym(void **state)
{
    unsigned char k1[32] = {1}, k2[32] = {2};
    unsigned char a[PSEUDO_LEN], b[PSEUDO_LEN], c[PSEUDO_LEN], d[PSEUDO_LEN];
    pseudo_person(k1, "999990019", a);
    pseudo_person(k1, "999990019", b);
    assert_memory_equal(a, b, PSEUDO_LEN);        /* stable */
    pseudo_person(k2, "999990019", c);
    assert_memory_not_equal(a, c, PSEUDO_LEN);    /* keyed */
    pseudo_person(k1, "999990020", c);
    assert_memory_not_equal(a, c, PSEUDO_LEN);    /* per person */
    pseudo_digest(k1, "999990019", 9, d);
    assert_memory_not_equal(a, d, PSEUDO_LEN);    /* domain separated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),     cmocka_unit_test(test_elfproef),
        cmocka_unit_test(test_length),    cmocka_unit_test(test_letters),
        cmocka_unit_test(test_zeros),     cmocka_unit_test(test_pseudonym),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of bsn (the elfproef) and pseudo (keyed pseudonyms): the
 * pseudonyms and digests are HMAC-SHA256 of the tag and the data, byte
 * for byte what earlier versions stored (libsodium's HMAC, and fixed
 * values), so that a database keeps matching persons and resends.
 */
#include "bsn.h"
#include "pseudo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

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

/* libsodium's HMAC-SHA256 of tag (with its NUL) and data. */
static void s_reference(const unsigned char key[32], const char *tag,
                        const unsigned char *data, size_t len,
                        unsigned char out[PSEUDO_LEN])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tag,
                                  strlen(tag) + 1);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, out);
}

static void test_pseudonym_is_hmac_sha256(void **state)
{
    unsigned char key[32], got[PSEUDO_LEN], want[PSEUDO_LEN];
    static const unsigned char person[PSEUDO_LEN] = {
        0x2b, 0x7c, 0xc1, 0x28, 0x8e, 0x20, 0x62, 0x89, 0x9e, 0xff, 0x13,
        0x6c, 0xa3, 0xa9, 0x05, 0x1c, 0x5f, 0x75, 0xd7, 0xd7, 0x0d, 0x2e,
        0xb9, 0x0a, 0xf6, 0x12, 0x00, 0x8b, 0xd8, 0x3d, 0x28, 0xfd};
    static const unsigned char body[PSEUDO_LEN] = {
        0x4a, 0x10, 0xcf, 0x76, 0xd7, 0xa9, 0x95, 0x36, 0xdf, 0x38, 0x25,
        0x1a, 0xd0, 0xc0, 0xe9, 0x80, 0xdf, 0xf9, 0x31, 0x50, 0x0d, 0x13,
        0x97, 0xf2, 0xb9, 0x8f, 0x92, 0xcc, 0x6c, 0x50, 0xc9, 0x7b};
    unsigned char data[1000];
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)(i + 1);
    memset(data, 'x', sizeof data);
    pseudo_person(key, "999990019", got);
    assert_memory_equal(got, person, PSEUDO_LEN);
    pseudo_digest(key, data, sizeof data, got);
    assert_memory_equal(got, body, PSEUDO_LEN);
    /* Every length around SHA-256's blocks, under other keys. */
    assert_true(sodium_init() >= 0);
    for (size_t len = 0; len <= 300; len++) {
        randombytes_buf(key, sizeof key);
        randombytes_buf(data, len);
        pseudo_digest(key, data, len, got);
        s_reference(key, "regie-body-v1", data, len, want);
        assert_memory_equal(got, want, PSEUDO_LEN);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),     cmocka_unit_test(test_elfproef),
        cmocka_unit_test(test_length),    cmocka_unit_test(test_letters),
        cmocka_unit_test(test_zeros),     cmocka_unit_test(test_pseudonym),
        cmocka_unit_test(test_pseudonym_is_hmac_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of regisseur_contact on a real SQLite file in a temporary
 * folder: the contact of a regisseur (copies the caller owns), nothing
 * for an unknown id, an inactive regisseur found but marked so, and the
 * update that depends on it.
 */
#include "cases/regisseur.h"
#include "store/store.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../tmpstore.h"

#define NOW 1800000000 /* 2027-01-15 */

typedef tmpstore_t fixture_t;

static int setup(void **state)
{
    *state = tmpstore_new("regisseur");
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    tmpstore_destroy(&f);
    return 0;
}

/* Adds a regisseur (phone may be NULL) and returns its id. */
static int64_t s_add(fixture_t *f, const char *name, const char *email,
                     const char *phone)
{
    regisseur_fields_t fields = {.name = name,
                                 .organisation = "Leger des Heils",
                                 .email = email,
                                 .phone = phone};
    problem_t pb;
    json_t *r = regisseur_add(f->store, &fields, NOW, &pb);
    assert_non_null(r);
    int64_t id = 0;
    sscanf(json_string_value(json_object_get(r, "regisseur")), "RG-%" SCNd64,
           &id);
    json_decref(r);
    assert_true(id > 0);
    return id;
}

static void test_contact_of_a_regisseur(void **state)
{
    fixture_t *f = *state;
    int64_t id = s_add(f, "A. Jansen", "a.jansen@ldh.example", "+31 6 1234");
    regisseur_contact_t c;
    assert_int_equal(regisseur_contact(f->store, id, &c), 1);
    assert_string_equal(c.name, "A. Jansen");
    assert_string_equal(c.organisation, "Leger des Heils");
    assert_string_equal(c.email, "a.jansen@ldh.example");
    assert_string_equal(c.phone, "+31 6 1234");
    assert_true(c.active);
    regisseur_contact_clear(&c);
    assert_null(c.name);
    assert_null(c.phone);
    assert_false(c.active);
}

static void test_contact_without_phone_has_null_phone(void **state)
{
    fixture_t *f = *state;
    int64_t id = s_add(f, "B. Bakker", "b.bakker@ldh.example", NULL);
    regisseur_contact_t c;
    assert_int_equal(regisseur_contact(f->store, id, &c), 1);
    assert_string_equal(c.name, "B. Bakker");
    assert_null(c.phone);
    regisseur_contact_clear(&c);
}

static void test_contact_of_unknown_id_is_not_found(void **state)
{
    fixture_t *f = *state;
    s_add(f, "A. Jansen", "a.jansen@ldh.example", NULL);
    regisseur_contact_t c;
    assert_int_equal(regisseur_contact(f->store, 999, &c), 0);
    assert_null(c.name);
    assert_null(c.organisation);
    assert_null(c.email);
    assert_null(c.phone);
    assert_false(c.active);
    regisseur_contact_clear(&c); /* a cleared one is fine */
}

static void test_contact_of_inactive_regisseur_says_inactive(void **state)
{
    fixture_t *f = *state;
    int64_t id = s_add(f, "A. Jansen", "a.jansen@ldh.example", NULL);
    problem_t pb;
    json_t *r = regisseur_set_active(f->store, id, false, &pb);
    assert_non_null(r);
    json_decref(r);
    regisseur_contact_t c;
    assert_int_equal(regisseur_contact(f->store, id, &c), 1);
    assert_false(c.active);
    assert_string_equal(c.email, "a.jansen@ldh.example");
    regisseur_contact_clear(&c);
}

static void test_update_of_unknown_id_is_not_found(void **state)
{
    fixture_t *f = *state;
    regisseur_fields_t fields = {.name = "C. de Wit"};
    problem_t pb;
    assert_null(regisseur_update(f->store, 42, &fields, &pb));
    assert_int_equal(pb.code, PROBLEM_NOT_FOUND);
    assert_string_equal(pb.message, "there is no regisseur RG-000042");
}

static void test_update_of_inactive_regisseur_may_reuse_an_email(void **state)
{
    fixture_t *f = *state;
    s_add(f, "A. Jansen", "a.jansen@ldh.example", NULL);
    int64_t id = s_add(f, "B. Bakker", "b.bakker@ldh.example", NULL);
    regisseur_fields_t fields = {.email = "a.jansen@ldh.example"};
    problem_t pb;
    assert_null(regisseur_update(f->store, id, &fields, &pb));
    assert_int_equal(pb.code, PROBLEM_CONFLICT);
    json_t *r = regisseur_set_active(f->store, id, false, &pb);
    assert_non_null(r);
    json_decref(r);
    r = regisseur_update(f->store, id, &fields, &pb);
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "email")),
                        "a.jansen@ldh.example");
    json_decref(r);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contact_of_a_regisseur, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_contact_without_phone_has_null_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contact_of_unknown_id_is_not_found,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_contact_of_inactive_regisseur_says_inactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_of_unknown_id_is_not_found,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_update_of_inactive_regisseur_may_reuse_an_email, setup,
            teardown),
    };
    return cmocka_run_group_tests_name("regisseur", tests, NULL, NULL);
}

/*
 * Unit tests of referral on a real SQLite file in a temporary folder: a
 * referral is found again by (partner, external_id) with what its first
 * ACK said, judged by the digest of its body; a second one with the same
 * pair is refused; a partner's count in a period counts only that
 * partner's referrals inside [from, to); a case's list is that case's
 * referrals, oldest first, with the partner's name from the
 * configuration.
 */
#include "cases/referral.h"
#include "config/cfg.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define NOW 1800000000 /* 2027-01-15 */

typedef struct {
    char dir[64];
    char path[96];
    store_t *store;
    cfg_partner_t partners[1];
    cfg_t cfg;
} fixture_t;

static const unsigned char s_digest_a[PSEUDO_LEN] = {0xaa};
static const unsigned char s_digest_b[PSEUDO_LEN] = {0xbb};

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-referral.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/regie.db", f->dir);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
    f->partners[0].id = "vt";
    f->partners[0].name = "Veilig Thuis";
    f->cfg.partners = f->partners;
    f->cfg.partners_n = 1;
    assert_int_equal(store_exec(f->store, "INSERT INTO cases (id, opened_at)"
                                          " VALUES (1, 0), (2, 0)"),
                     0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_destroy(&f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A referral of partner with external_id, in case kase, received at t. */
static referral_in_t s_row(const char *partner, const char *external_id,
                           int64_t kase, int64_t t)
{
    return (referral_in_t){.partner = partner,
                           .external_id = external_id,
                           .digest = s_digest_a,
                           .case_id = kase,
                           .kind = "melding",
                           .category = "ggz",
                           .urgency = "normaal",
                           .postcode = "6708PB",
                           .contact_name = "J. de Vries",
                           .contact_email = "j@vt.example",
                           .persons = 2,
                           .received_at = t,
                           .case_status = "new"};
}

static void test_find_unknown_is_new(void **state)
{
    fixture_t *f = *state;
    referral_found_t found;
    assert_int_equal(referral_find(f->store, "vt", "VT-1", s_digest_a, &found),
                     0);
    assert_null(found.case_status);
    assert_null(found.ack_regisseur);
}

static void test_insert_then_find_same_digest_is_duplicate(void **state)
{
    fixture_t *f = *state;
    referral_in_t r = s_row("vt", "VT-1", 2, NOW);
    r.ack_regisseur = "{\"name\":\"A. Jansen\"}";
    r.case_status = "assigned";
    int64_t id = referral_insert(f->store, &r);
    assert_true(id > 0);
    referral_found_t found;
    assert_int_equal(referral_find(f->store, "vt", "VT-1", s_digest_a, &found),
                     1);
    assert_int_equal(found.id, id);
    assert_int_equal(found.case_id, 2);
    assert_int_equal(found.received_at, NOW);
    assert_string_equal(found.case_status, "assigned");
    assert_string_equal(found.ack_regisseur, "{\"name\":\"A. Jansen\"}");
    referral_found_clear(&found);
    assert_null(found.case_status);
}

static void test_find_other_digest_is_conflict(void **state)
{
    fixture_t *f = *state;
    referral_in_t r = s_row("vt", "VT-1", 1, NOW);
    int64_t id = referral_insert(f->store, &r);
    assert_true(id > 0);
    referral_found_t found;
    assert_int_equal(referral_find(f->store, "vt", "VT-1", s_digest_b, &found),
                     2);
    assert_int_equal(found.id, id);
    assert_int_equal(found.received_at, NOW);
    assert_null(found.ack_regisseur);
    referral_found_clear(&found);
}

static void test_find_is_per_partner(void **state)
{
    fixture_t *f = *state;
    referral_in_t r = s_row("vt", "VT-1", 1, NOW);
    assert_true(referral_insert(f->store, &r) > 0);
    referral_found_t found;
    assert_int_equal(referral_find(f->store, "ggz", "VT-1", s_digest_a, &found),
                     0);
}

static void test_insert_same_partner_and_external_id_twice_fails(void **state)
{
    fixture_t *f = *state;
    referral_in_t r = s_row("vt", "VT-1", 1, NOW);
    assert_true(referral_insert(f->store, &r) > 0);
    r.digest = s_digest_b;
    assert_int_equal(referral_insert(f->store, &r), -1);
    r.partner = "ggz"; /* another partner may use the same id */
    assert_true(referral_insert(f->store, &r) > 0);
}

static void test_count_in_period_excludes_other_partners(void **state)
{
    fixture_t *f = *state;
    referral_in_t a = s_row("vt", "VT-1", 1, NOW);
    referral_in_t b = s_row("vt", "VT-2", 1, NOW + 10);
    referral_in_t c = s_row("ggz", "G-1", 1, NOW + 20);
    assert_true(referral_insert(f->store, &a) > 0);
    assert_true(referral_insert(f->store, &b) > 0);
    assert_true(referral_insert(f->store, &c) > 0);
    assert_int_equal(referral_count_in_period(f->store, "vt", NOW, NOW + 100),
                     2);
    assert_int_equal(referral_count_in_period(f->store, "ggz", NOW, NOW + 100),
                     1);
    assert_int_equal(
        referral_count_in_period(f->store, "leger", NOW, NOW + 100), 0);
}

static void test_count_in_period_is_from_inclusive_to_exclusive(void **state)
{
    fixture_t *f = *state;
    referral_in_t a = s_row("vt", "VT-1", 1, NOW - 1);
    referral_in_t b = s_row("vt", "VT-2", 1, NOW);
    referral_in_t c = s_row("vt", "VT-3", 1, NOW + 99);
    referral_in_t d = s_row("vt", "VT-4", 1, NOW + 100);
    assert_true(referral_insert(f->store, &a) > 0);
    assert_true(referral_insert(f->store, &b) > 0);
    assert_true(referral_insert(f->store, &c) > 0);
    assert_true(referral_insert(f->store, &d) > 0);
    assert_int_equal(referral_count_in_period(f->store, "vt", NOW, NOW + 100),
                     2);
}

static void test_list_case_is_the_cases_referrals_oldest_first(void **state)
{
    fixture_t *f = *state;
    referral_in_t late = s_row("vt", "VT-late", 1, NOW + 50);
    referral_in_t other = s_row("vt", "VT-other", 2, NOW + 10);
    referral_in_t early = s_row("gone", "X-1", 1, NOW);
    early.note = "for the kernteam";
    early.overlap = true;
    assert_true(referral_insert(f->store, &late) > 0);
    assert_true(referral_insert(f->store, &other) > 0);
    int64_t id = referral_insert(f->store, &early);
    assert_true(id > 0);
    json_t *list = referral_list_case(f->store, &f->cfg, 1);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0), *second = json_array_get(list, 1);
    char ref[16];
    snprintf(ref, sizeof ref, "R-%06lld", (long long)id);
    assert_string_equal(json_string_value(json_object_get(first, "referral")),
                        ref);
    assert_string_equal(json_string_value(json_object_get(first, "partner")),
                        "gone");
    assert_true(json_is_null(json_object_get(first, "partner_name")));
    assert_string_equal(json_string_value(json_object_get(first, "note")),
                        "for the kernteam");
    assert_true(json_is_true(json_object_get(first, "overlap")));
    assert_int_equal(json_integer_value(json_object_get(first, "persons")), 2);
    json_t *contact = json_object_get(first, "contact");
    assert_string_equal(json_string_value(json_object_get(contact, "name")),
                        "J. de Vries");
    assert_true(json_is_null(json_object_get(contact, "phone")));
    assert_string_equal(
        json_string_value(json_object_get(second, "partner_name")),
        "Veilig Thuis");
    assert_true(json_is_null(json_object_get(second, "note")));
    json_decref(list);
}

static void test_list_case_without_referrals_is_empty(void **state)
{
    fixture_t *f = *state;
    json_t *list = referral_list_case(f->store, &f->cfg, 2);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_unknown_is_new, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_insert_then_find_same_digest_is_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_other_digest_is_conflict,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_is_per_partner, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_insert_same_partner_and_external_id_twice_fails, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_count_in_period_excludes_other_partners, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_count_in_period_is_from_inclusive_to_exclusive, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_list_case_is_the_cases_referrals_oldest_first, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_list_case_without_referrals_is_empty, setup, teardown),
    };
    return cmocka_run_group_tests_name("referral", tests, NULL, NULL);
}

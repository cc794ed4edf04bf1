/*
 * Unit tests of match on a real SQLite file in a temporary folder: a
 * referral's persons find the one open case that holds any of them, the
 * most recent of several (and the others are named), or open a new case
 * without regisseur; closed cases are not matched; new household members
 * join the case, members already in it keep how they came in; a store
 * that refuses writes is an error, not a match.
 */
#include "cases/match.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../tmpstore.h"

#define NOW 1800000000 /* 2027-01-15 */

/* A pseudonym of 32 equal bytes b, as a hex literal's digits. */
#define HEX8(b) b b b b b b b b
#define HEX32(b) HEX8(b) HEX8(b) HEX8(b) HEX8(b)

typedef tmpstore_t fixture_t;

static int setup(void **state)
{
    *state = tmpstore_new("match");
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    tmpstore_destroy(&f);
    return 0;
}

static void exec(fixture_t *f, const char *sql)
{
    assert_int_equal(store_exec(f->store, sql), 0);
}

static long long one(fixture_t *f, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(f->store), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The pseudonym of person k: 32 bytes of k. */
static void person(unsigned char p[PSEUDO_LEN], int k)
{
    memset(p, k, PSEUDO_LEN);
}

/* Finds the case of persons ks (n of them) in a transaction. */
static void find(fixture_t *f, const int *ks, size_t n, int64_t now,
                 match_result_t *out)
{
    unsigned char persons[32][PSEUDO_LEN];
    for (size_t i = 0; i < n; i++)
        person(persons[i], ks[i]);
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(match_find(f->store, persons, n, now, out), 0);
    assert_int_equal(store_commit(f->store), 0);
}

/* Adds persons ks to case c, brought in by referral ref. */
static void join(fixture_t *f, int64_t c, const int *ks, size_t n, int ref,
                 int64_t now)
{
    unsigned char persons[32][PSEUDO_LEN];
    for (size_t i = 0; i < n; i++)
        person(persons[i], ks[i]);
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(match_join(f->store, c, persons, n, ref, now), 0);
    assert_int_equal(store_commit(f->store), 0);
}

/* A new case holding person k (its first referral is ref); its id. */
static int64_t new_case(fixture_t *f, int k, int ref)
{
    match_result_t m;
    find(f, &k, 1, NOW, &m);
    assert_int_equal(m.status, MATCH_NEW);
    join(f, m.case_id, &k, 1, ref, NOW);
    return m.case_id;
}

static void assign(fixture_t *f, int64_t c, int regisseur)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR IGNORE INTO regisseur (id, name, organisation, email,"
             " created_at) VALUES (%d, 'J. de Vries', 'GGZ', 'j@ggz.nl', 0);"
             "UPDATE cases SET regisseur_id = %d WHERE id = %lld",
             regisseur, regisseur, (long long)c);
    exec(f, sql);
}

static void test_no_open_case_opens_a_new_one(void **state)
{
    fixture_t *f = *state;
    match_result_t m;
    int ks[] = {1, 2};
    find(f, ks, 2, NOW, &m);
    assert_int_equal(m.status, MATCH_NEW);
    assert_int_equal(m.case_id, 1);
    assert_int_equal(m.regisseur_id, 0);
    assert_int_equal(m.open_cases, 0);
    assert_int_equal(m.others_n, 0);
    assert_int_equal(one(f, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM cases WHERE id = 1 AND"
                            " status = 'open' AND type = 'complex' AND"
                            " regisseur_id IS NULL AND opened_at = 1800000000"
                            " AND closed_at IS NULL"),
                     1);
    /* Finding does not join: the caller does, with the referral. */
    assert_int_equal(one(f, "SELECT count(*) FROM membership"), 0);
}

static void test_referral_joins_the_open_case_of_a_member(void **state)
{
    fixture_t *f = *state;
    int64_t c = new_case(f, 1, 10);
    match_result_t m;
    int ks[] = {2, 1}; /* a new member, and one the case holds */
    find(f, ks, 2, NOW + 60, &m);
    assert_int_equal(m.status, MATCH_UNASSIGNED);
    assert_int_equal(m.case_id, c);
    assert_int_equal(m.regisseur_id, 0);
    assert_int_equal(m.open_cases, 1);
    assert_int_equal(m.others_n, 0);
    assert_int_equal(one(f, "SELECT count(*) FROM cases"), 1);
}

static void test_assigned_case_names_its_regisseur(void **state)
{
    fixture_t *f = *state;
    int64_t c = new_case(f, 1, 10);
    assign(f, c, 7);
    match_result_t m;
    int k = 1;
    find(f, &k, 1, NOW + 60, &m);
    assert_int_equal(m.status, MATCH_ASSIGNED);
    assert_int_equal(m.case_id, c);
    assert_int_equal(m.regisseur_id, 7);
    assert_int_equal(m.open_cases, 1);
}

static void test_referral_joins_the_most_recent_of_several_cases(void **state)
{
    fixture_t *f = *state;
    int64_t older = new_case(f, 1, 10);
    int64_t recent = new_case(f, 2, 11);
    new_case(f, 3, 12); /* not about these persons */
    assign(f, older, 7);
    /* Either order of the persons: the most recent case, with its own
     * (lack of a) regisseur; the older one is named as the overlap. */
    int orders[2][2] = {{1, 2}, {2, 1}};
    for (int i = 0; i < 2; i++) {
        match_result_t m;
        find(f, orders[i], 2, NOW + 60, &m);
        assert_int_equal(m.case_id, recent);
        assert_int_equal(m.status, MATCH_UNASSIGNED);
        assert_int_equal(m.regisseur_id, 0);
        assert_int_equal(m.open_cases, 2);
        assert_int_equal(m.others_n, 1);
        assert_int_equal(m.others[0], older);
    }
}

static void test_a_case_holding_two_of_them_counts_once(void **state)
{
    fixture_t *f = *state;
    int64_t c = new_case(f, 1, 10);
    int k = 2;
    join(f, c, &k, 1, 10, NOW);
    match_result_t m;
    int ks[] = {1, 2};
    find(f, ks, 2, NOW + 60, &m);
    assert_int_equal(m.case_id, c);
    assert_int_equal(m.open_cases, 1);
    assert_int_equal(m.others_n, 0);
}

static void test_closed_case_is_not_matched(void **state)
{
    fixture_t *f = *state;
    int64_t c = new_case(f, 1, 10);
    exec(f, "UPDATE cases SET status = 'closed', closed_at = 0");
    match_result_t m;
    int k = 1;
    find(f, &k, 1, NOW + 60, &m);
    assert_int_equal(m.status, MATCH_NEW);
    assert_int_equal(m.case_id, c + 1);
    assert_int_equal(m.open_cases, 0);
    assert_int_equal(one(f, "SELECT opened_at FROM cases WHERE id = 2"),
                     NOW + 60);
}

static void test_new_household_member_joins_case(void **state)
{
    fixture_t *f = *state;
    int64_t c = new_case(f, 1, 10);
    int ks[] = {1, 2};
    join(f, c, ks, 2, 11, NOW + 60);
    assert_int_equal(one(f, "SELECT count(*) FROM membership"), 2);
    /* The member already in it keeps how and when it came in. */
    assert_int_equal(one(f,
                         "SELECT count(*) FROM membership WHERE"
                         " pseudonym = x'" HEX32(
                             "01") "'"
                                   " AND case_id = 1 AND referral_id = 10 AND"
                                   " joined_at = 1800000000"),
                     1);
    assert_int_equal(one(f,
                         "SELECT count(*) FROM membership WHERE"
                         " pseudonym = x'" HEX32(
                             "02") "'"
                                   " AND case_id = 1 AND referral_id = 11 AND"
                                   " joined_at = 1800000060"),
                     1);
    /* And is now found through the new member alone. */
    match_result_t m;
    int k = 2;
    find(f, &k, 1, NOW + 120, &m);
    assert_int_equal(m.case_id, c);
    assert_int_equal(m.status, MATCH_UNASSIGNED);
}

static void test_a_person_may_be_in_two_cases(void **state)
{
    fixture_t *f = *state;
    int64_t first = new_case(f, 1, 10);
    int64_t second = new_case(f, 2, 11);
    int k = 1;
    join(f, second, &k, 1, 12, NOW);
    assert_int_equal(one(f, "SELECT count(*) FROM membership WHERE"
                            " referral_id IN (10, 12)"),
                     2);
    match_result_t m;
    find(f, &k, 1, NOW + 60, &m);
    assert_int_equal(m.case_id, second);
    assert_int_equal(m.open_cases, 2);
    assert_int_equal(m.others[0], first);
}

static void test_overlap_names_at_most_sixteen_other_cases(void **state)
{
    fixture_t *f = *state;
    int ks[20];
    for (int i = 0; i < 20; i++) {
        ks[i] = i + 1;
        assert_int_equal(new_case(f, ks[i], 100 + i), i + 1);
    }
    match_result_t m;
    find(f, ks, 20, NOW + 60, &m);
    assert_int_equal(m.case_id, 20);
    assert_int_equal(m.open_cases, 20);
    assert_int_equal(m.others_n, MATCH_CASES_MAX);
    for (int i = 0; i < MATCH_CASES_MAX; i++)
        assert_int_equal(m.others[i], i + 1);
}

static void test_status_names(void **state)
{
    assert_string_equal(match_status_name(MATCH_NEW), "new");
    assert_string_equal(match_status_name(MATCH_UNASSIGNED), "unassigned");
    assert_string_equal(match_status_name(MATCH_ASSIGNED), "assigned");
}

static void test_store_that_refuses_writes_fails_the_match(void **state)
{
    fixture_t *f = *state;
    int64_t c = new_case(f, 1, 10);
    exec(f, "PRAGMA query_only = 1");
    unsigned char p[1][PSEUDO_LEN];
    person(p[0], 2);
    match_result_t m;
    assert_int_equal(match_find(f->store, p, 1, NOW, &m), -1);
    assert_int_equal(match_join(f->store, c, p, 1, 11, NOW), -1);
    exec(f, "PRAGMA query_only = 0");
    assert_int_equal(one(f, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(one(f, "SELECT count(*) FROM membership"), 1);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_no_open_case_opens_a_new_one),
        T(test_referral_joins_the_open_case_of_a_member),
        T(test_assigned_case_names_its_regisseur),
        T(test_referral_joins_the_most_recent_of_several_cases),
        T(test_a_case_holding_two_of_them_counts_once),
        T(test_closed_case_is_not_matched),
        T(test_new_household_member_joins_case),
        T(test_a_person_may_be_in_two_cases),
        T(test_overlap_names_at_most_sixteen_other_cases),
        cmocka_unit_test(test_status_names),
        T(test_store_that_refuses_writes_fails_the_match),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

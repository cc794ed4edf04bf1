/*
 * Unit tests of store's binds on a real SQLite file: a failed bind is
 * never ignored (the statement's next step fails without running, and
 * nothing is written), the failure does not stick to the statement once
 * it is prepared again, and a NULL text binds SQL NULL. The schema of
 * version 4: the CHECKs of words still refuse any other word, written
 * without IN lists; the index of the events' agreements leaves out the
 * events without one.
 */
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
    char dir[64];
    char path[96];
    store_t *store;
} fixture_t;

static const char s_sql_insert[] =
    "INSERT INTO regisseur (name, organisation, email, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char s_sql_count[] = "SELECT count(*) FROM regisseur";
static const char s_sql_echo[] = "SELECT ?1 IS NULL";

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-store.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/regie.db", f->dir);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
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

/* Prepares the insert with its four parameters bound. */
static sqlite3_stmt *s_insert(fixture_t *f)
{
    sqlite3_stmt *st = store_prepare(f->store, s_sql_insert);
    assert_non_null(st);
    store_bind_text(f->store, st, 1, "A. Jansen");
    store_bind_text(f->store, st, 2, "Leger des Heils");
    store_bind_text(f->store, st, 3, "a.jansen@ldh.example");
    store_bind_int64(f->store, st, 4, 1800000000);
    return st;
}

static void test_failed_bind_makes_the_step_fail_without_writing(void **state)
{
    fixture_t *f = *state;
    sqlite3_stmt *st = s_insert(f);
    store_bind_int64(f->store, st, 9, 1); /* no parameter ?9: SQLITE_RANGE */
    assert_int_equal(store_step(f->store, st), -1);
    assert_int_equal(store_int64(f->store, s_sql_count, -1), 0);
}

static void test_failed_bind_does_not_outlive_the_statement(void **state)
{
    fixture_t *f = *state;
    sqlite3_stmt *st = s_insert(f);
    store_bind_int64(f->store, st, 0, 1); /* index 0 is never valid */
    assert_int_equal(store_step(f->store, st), -1);
    st = s_insert(f);
    assert_int_equal(store_step(f->store, st), SQLITE_DONE);
    assert_int_equal(store_int64(f->store, s_sql_count, -1), 1);
}

static void test_failed_bind_of_one_statement_spares_another(void **state)
{
    fixture_t *f = *state;
    sqlite3_stmt *bad = store_prepare(f->store, s_sql_echo);
    store_bind_int64(f->store, bad, 5, 1);
    sqlite3_stmt *st = s_insert(f);
    assert_int_equal(store_step(f->store, st), SQLITE_DONE);
    assert_int_equal(store_step(f->store, bad), -1);
}

static void test_two_failed_binds_fail_both_statements(void **state)
{
    fixture_t *f = *state;
    sqlite3_stmt *echo = store_prepare(f->store, s_sql_echo);
    store_bind_int64(f->store, echo, 5, 1);
    sqlite3_stmt *st = s_insert(f);
    store_bind_int64(f->store, st, 7, 1);
    assert_int_equal(store_step(f->store, st), -1);
    assert_int_equal(store_step(f->store, echo), -1);
    assert_int_equal(store_int64(f->store, s_sql_count, -1), 0);
}

static void test_null_text_binds_sql_null(void **state)
{
    fixture_t *f = *state;
    sqlite3_stmt *st = store_prepare(f->store, s_sql_echo);
    store_bind_text(f->store, st, 1, NULL);
    assert_int_equal(store_step(f->store, st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    st = store_prepare(f->store, s_sql_echo);
    store_bind_text(f->store, st, 1, "x");
    assert_int_equal(store_step(f->store, st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_reset(st);
}

/* Runs sql on the store's connection; returns the SQLite result code. */
static int s_exec(fixture_t *f, const char *sql)
{
    return sqlite3_exec(store_db(f->store), sql, NULL, NULL, NULL);
}

static void test_schema_is_version_4(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(STORE_SCHEMA_VERSION, 4);
    assert_int_equal(store_int64(f->store, "PRAGMA user_version", -1), 4);
}

static void test_checks_refuse_other_words(void **state)
{
    fixture_t *f = *state;
    static const char *const bad[] = {
        "INSERT INTO agreement (kind, owner_type, owner, description,"
        " policy, due_at, created_at, created_by) VALUES ('x', 'kernteam',"
        " 'k', 'd', 'p', 1, 1, 'a')",
        "INSERT INTO agreement (kind, owner_type, owner, description,"
        " policy, due_at, created_at, created_by) VALUES ('custom', 'x',"
        " 'k', 'd', 'p', 1, 1, 'a')",
        "INSERT INTO agreement (kind, owner_type, owner, description,"
        " policy, due_at, created_at, created_by, status) VALUES ('custom',"
        " 'kernteam', 'k', 'd', 'p', 1, 1, 'a', 'x')",
        "INSERT INTO occurrence (agreement_id, n, due_at, outcome, at)"
        " VALUES (1, 1, 1, 'x', 1)",
        "INSERT INTO notification (key, subject, body, created_at,"
        " next_attempt_at, status) VALUES ('k', 's', 'b', 1, 1, 'x')",
    };
    assert_int_equal(
        s_exec(f, "INSERT INTO agreement (kind, owner_type, owner,"
                  " description, policy, due_at, created_at, created_by)"
                  " VALUES ('custom', 'kernteam', 'k', 'd', 'p', 1, 1, 'a')"),
        SQLITE_OK);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(s_exec(f, bad[i]) & 0xff, SQLITE_CONSTRAINT);
    assert_int_equal(s_exec(f, "UPDATE agreement SET status = 'x'") & 0xff,
                     SQLITE_CONSTRAINT);
    assert_int_equal(s_exec(f, "UPDATE agreement SET status = 'met_late'"),
                     SQLITE_OK);
    assert_int_equal(
        s_exec(f, "INSERT INTO occurrence (agreement_id, n, due_at, outcome,"
                  " at) VALUES (1, 1, 1, 'waived', 1)"),
        SQLITE_OK);
    /* No IN list is left in the CHECKs of these tables. */
    assert_int_equal(store_int64(f->store,
                                 "SELECT count(*) FROM sqlite_schema"
                                 " WHERE name IN ('agreement', 'occurrence',"
                                 " 'notification') AND sql LIKE '% IN %(%'",
                                 -1),
                     0);
}

static void test_event_agreement_index_is_partial(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(store_int64(f->store,
                                 "SELECT count(*) FROM sqlite_schema"
                                 " WHERE name = 'event_agreement' AND sql LIKE"
                                 " '%WHERE agreement_id IS NOT NULL'",
                                 -1),
                     1);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(store_db(f->store),
                           "EXPLAIN QUERY PLAN SELECT id FROM event"
                           " WHERE agreement_id = ?1",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_non_null(
        strstr((const char *)sqlite3_column_text(st, 3), "event_agreement"));
    sqlite3_finalize(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_failed_bind_makes_the_step_fail_without_writing, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_failed_bind_does_not_outlive_the_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_failed_bind_of_one_statement_spares_another, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_two_failed_binds_fail_both_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_text_binds_sql_null, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_schema_is_version_4, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checks_refuse_other_words, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_agreement_index_is_partial,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

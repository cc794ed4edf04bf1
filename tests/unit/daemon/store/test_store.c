/*
 * Unit tests of store's binds on a real SQLite file: a failed bind is
 * never ignored (the statement's next step fails without running, and
 * nothing is written), the failure does not stick to the statement once
 * it is prepared again, and a NULL text binds SQL NULL. Schema 4: a new
 * database has a random installation id, one of schema 3 gets one when
 * it is migrated (its rows kept), and two databases have two; schema 6:
 * a notification's HTML and inline parts, none for the rows of before;
 * schema 7: the CHECKs of words still refuse any other word, written
 * without IN lists; the index of the events' agreements leaves out the
 * events without one. The WAL's buffered writes (walbuf): what a commit
 * wrote is in the file for another connection, at any synchronous
 * setting, also past the buffer's size, after pages spilled and a
 * rollback, and the database stays whole. A truncation of the WAL
 * asked for after a purge that a reader keeps from happening is done
 * after a later commit, so the deleted text leaves the files.
 * store_int64_memo keeps a value until this connection changes a row
 * (a row written by another connection is not seen: the value was not
 * asked again), and never keeps one read inside a transaction.
 */
#include "store/schema.h"
#include "store/store.h"
#include "store/walbuf.h"

#include <setjmp.h>
#include <stdbool.h>
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

static void test_schema_is_version_7(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(SCHEMA_VERSION, 7);
    assert_int_equal(store_int64(f->store, "PRAGMA user_version", -1), 7);
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

/* Rows of regisseur as another connection (the default VFS) sees them;
 * -1 if the database is not whole. */
static int64_t s_rows_outside(fixture_t *f)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0) {
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(db, s_sql_count, -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Inserts n regisseurs of about 1 KB each in one transaction, then
 * commits or rolls back. */
static void s_fill(fixture_t *f, int n, bool commit)
{
    char name[1100];
    assert_int_equal(store_begin(f->store), 0);
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%d %01000d", i, i);
        sqlite3_stmt *st = s_insert(f);
        store_bind_text(f->store, st, 1, name);
        assert_int_equal(store_step(f->store, st), SQLITE_DONE);
    }
    if (commit)
        assert_int_equal(store_commit(f->store), 0);
    else
        store_rollback(f->store);
}

static void test_wal_writes_are_buffered(void **state)
{
    fixture_t *f = *state;
    assert_true(walbuf_attach(store_db(f->store)));
}

static void test_committed_frames_reach_the_file(void **state)
{
    fixture_t *f = *state;
    s_fill(f, 1, true);
    assert_int_equal(s_rows_outside(f), 1);
    /* More than the buffer holds (124 KiB) in one commit. */
    s_fill(f, 600, true);
    assert_int_equal(s_rows_outside(f), 601);
    /* Without a sync at the commit, the header's barrier writes them. */
    assert_int_equal(store_exec(f->store, "PRAGMA synchronous=NORMAL"), 0);
    s_fill(f, 3, true);
    assert_int_equal(s_rows_outside(f), 604);
}

static void test_spilled_and_rolled_back_frames_do_not_count(void **state)
{
    fixture_t *f = *state;
    /* A cache of 10 pages spills a large transaction to the WAL. */
    assert_int_equal(store_exec(f->store, "PRAGMA cache_size=10"), 0);
    s_fill(f, 400, false);
    assert_int_equal(s_rows_outside(f), 0);
    s_fill(f, 2, true);
    assert_int_equal(s_rows_outside(f), 2);
    s_fill(f, 400, true);
    assert_int_equal(s_rows_outside(f), 402);
}

/* Whether the file holds the text. */
static bool s_file_holds(const char *path, const char *text)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    static char buf[4 << 20];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return memmem(buf, n, text, strlen(text)) != NULL;
}

static void test_truncation_kept_off_by_a_reader_follows_later(void **state)
{
    fixture_t *f = *state;
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    static const char secret[] = "Geheim-Naam-7d1c";
    assert_int_equal(store_begin(f->store), 0);
    sqlite3_stmt *st = s_insert(f);
    store_bind_text(f->store, st, 1, secret);
    assert_int_equal(store_step(f->store, st), SQLITE_DONE);
    assert_int_equal(store_commit(f->store), 0);
    assert_true(s_file_holds(wal, secret));
    /* A reader holds its snapshot while the row is deleted. */
    sqlite3 *reader = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &reader, SQLITE_OPEN_READONLY,
                                     NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(reader,
                                  "BEGIN; SELECT count(*) FROM regisseur",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(store_db(f->store), 20);
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(store_exec(f->store, "DELETE FROM regisseur"), 0);
    store_scrub_after_commit(f->store);
    assert_int_equal(store_commit(f->store), 0);
    assert_true(s_file_holds(wal, secret));
    assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(reader);
    /* Later commits of other rows: the truncation is tried again. */
    for (int i = 0; i < 64; i++)
        s_fill(f, 1, true);
    assert_false(s_file_holds(wal, secret));
    assert_false(s_file_holds(f->path, secret));
    assert_int_equal(s_rows_outside(f), 64);
}

static int64_t s_one(store_t *s, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_new_database_has_an_installation_id(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(s_one(f->store, "PRAGMA user_version"),
                     SCHEMA_VERSION);
    assert_int_equal(s_one(f->store,
                           "SELECT count(*) FROM installation WHERE id = 1 AND"
                           " length(uid) = 16 AND uid NOT GLOB '*[^0-9a-f]*'"),
                     1);
    /* One row only, ever. */
    assert_int_not_equal(sqlite3_exec(store_db(f->store),
                                      "INSERT INTO installation VALUES"
                                      " (2, 'x')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
}

static void test_schema_3_database_gets_an_id_at_migration(void **state)
{
    fixture_t *f = *state;
    /* Made into a schema 3 database with a notification in it. */
    assert_int_equal(
        store_exec(f->store,
                   "DROP TABLE installation;"
                   " ALTER TABLE notification DROP COLUMN message_id;"
                   " ALTER TABLE notification DROP COLUMN html;"
                   " ALTER TABLE notification DROP COLUMN parts;"
                   " DROP INDEX cases_external_ref;"
                   " ALTER TABLE cases DROP COLUMN external_ref;"
                   " DROP INDEX agreement_import_key;"
                   " ALTER TABLE agreement DROP COLUMN import_key;"
                   " INSERT INTO notification (key, subject, body,"
                   " created_at, next_attempt_at) VALUES ('k', 's', 'b', 1,"
                   " 1); PRAGMA user_version = 3"),
        0);
    store_destroy(&f->store);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
    assert_int_equal(s_one(f->store, "PRAGMA user_version"),
                     SCHEMA_VERSION);
    assert_int_equal(s_one(f->store, "SELECT count(*) FROM installation WHERE"
                                     " length(uid) = 16"),
                     1);
    /* The old row is kept, without a Message-ID part of its own. */
    assert_int_equal(s_one(f->store, "SELECT count(*) FROM notification"
                                     " WHERE key = 'k' AND message_id IS NULL"),
                     1);
}

static void test_two_databases_have_two_installation_ids(void **state)
{
    fixture_t *f = *state;
    char path[128], attach[200];
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    store_t *other = store_open(path, 1000, 0);
    assert_non_null(other);
    store_destroy(&other);
    snprintf(attach, sizeof attach, "ATTACH DATABASE '%s' AS o", path);
    assert_int_equal(store_exec(f->store, attach), 0);
    assert_int_equal(s_one(f->store, "SELECT count(*) FROM installation a,"
                                     " o.installation b WHERE a.uid = b.uid"),
                     0);
    assert_int_equal(s_one(f->store, "SELECT count(*) FROM o.installation"), 1);
}

static void test_schema_5_rows_have_no_html(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(
        store_exec(f->store,
                   "ALTER TABLE notification DROP COLUMN html;"
                   " ALTER TABLE notification DROP COLUMN parts;"
                   " INSERT INTO notification (key, subject, body,"
                   " created_at, next_attempt_at, message_id) VALUES ('k',"
                   " 's', 'b', 1, 1, 'x.y'); PRAGMA user_version = 5"),
        0);
    store_destroy(&f->store);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
    assert_int_equal(s_one(f->store, "PRAGMA user_version"),
                     SCHEMA_VERSION);
    assert_int_equal(s_one(f->store, "SELECT count(*) FROM notification"
                                     " WHERE key = 'k' AND html IS NULL"
                                     " AND parts IS NULL AND body = 'b'"),
                     1);
}

/* Inserts a regisseur through another connection to the same file. */
static void s_insert_elsewhere(fixture_t *f)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 1000);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO regisseur (name, organisation, email,"
                     " created_at) VALUES ('B', 'O', 'b@o.example', 1)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
}

static void test_memo_is_kept_until_this_connection_changes_a_row(
    void **state)
{
    fixture_t *f = *state;
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 0);
    s_insert_elsewhere(f);
    /* Not asked again: the kept value, although the table has a row. */
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 0);
    assert_int_equal(store_int64(f->store, s_sql_count, -1), 1);
    assert_int_equal(store_step(f->store, s_insert(f)), SQLITE_DONE);
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 2);
}

static void test_memo_read_in_a_transaction_is_not_kept(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 0);
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(store_step(f->store, s_insert(f)), SQLITE_DONE);
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 1);
    store_rollback(f->store);
    /* The rollback leaves total_changes where the insert put it: a value
     * kept from inside the transaction would be 1 now. */
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 0);
    s_insert_elsewhere(f);
    assert_int_equal(store_int64_memo(f->store, s_sql_count, -1), 0);
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
        cmocka_unit_test_setup_teardown(test_schema_is_version_7, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checks_refuse_other_words, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_agreement_index_is_partial,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_writes_are_buffered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_committed_frames_reach_the_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_spilled_and_rolled_back_frames_do_not_count, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_new_database_has_an_installation_id, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_schema_3_database_gets_an_id_at_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_two_databases_have_two_installation_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_5_rows_have_no_html, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_truncation_kept_off_by_a_reader_follows_later, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_memo_is_kept_until_this_connection_changes_a_row, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_memo_read_in_a_transaction_is_not_kept, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

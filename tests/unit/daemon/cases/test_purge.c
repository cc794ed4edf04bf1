/*
 * Unit tests of purge, metrics and backup on a real SQLite file in a
 * temporary folder: retention counts and removals (dry run and real),
 * the Prometheus text and its atomic file, and an online backup while
 * the test writes to the database.
 */
#include "store/backup.h"
#include "config/cfg.h"
#include "mon/metrics.h"
#include "cases/purge.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define DAY 86400
#define NOW 1800000000 /* 2027-01-15 */

typedef struct {
    char dir[64];
    char path[96];
    store_t *store;
    cfg_t cfg;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-purge.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/regie.db", f->dir);
    f->store = store_open(f->path, 1000, 0);
    assert_non_null(f->store);
    f->cfg.retention_months = 24;
    f->cfg.max_active_months = 12;
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

static void exec(fixture_t *f, const char *sql)
{
    assert_int_equal(store_exec(f->store, sql), 0);
}

static long long one(fixture_t *f, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(f->store), sql, -1, &st,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A referral of case c received at t, with a membership and a sent
 * notification. */
static void referral(fixture_t *f, int id, int c, long long t)
{
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO referral (id, partner, external_id, digest, case_id,"
             " kind, category, urgency, contact_name, persons, received_at,"
             " case_status) VALUES (%d, 'vt', 'e%d', x'00', %d, 'melding',"
             " 'ggz', 'normaal', 'J', 1, %lld, 'new');"
             "INSERT INTO membership VALUES (x'%02x', %d, %d, %lld);"
             "INSERT INTO notification (key, recipient, subject, body,"
             " status, created_at, next_attempt_at, referral_id) VALUES"
             " ('k%d', 'a@b', 's', 'b', 'sent', 0, 0, %d)",
             id, id, c, t, id, c, id, t, id, id);
    exec(f, sql);
}

/* Case 1 closed 25 months ago, case 2 closed 1 month ago, case 3 open
 * with one old and one recent referral. */
static void history(fixture_t *f)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "INSERT INTO cases (id, status, opened_at, closed_at,"
             " close_reason) VALUES (1, 'closed', 0, %lld, 'r'),"
             " (2, 'closed', 0, %lld, 'r'), (3, 'open', 0, NULL, NULL)",
             (long long)NOW - 25 * 31LL * DAY, (long long)NOW - 31LL * DAY);
    exec(f, sql);
    referral(f, 1, 1, NOW - 800LL * DAY);
    referral(f, 2, 2, NOW - 60LL * DAY);
    referral(f, 3, 3, NOW - 400LL * DAY);
    referral(f, 4, 3, NOW - 10LL * DAY);
}

static void test_dry_run_counts_and_changes_nothing(void **state)
{
    fixture_t *f = *state;
    history(f);
    purge_counts_t c;
    assert_int_equal(purge_run(f->store, &f->cfg, NOW, true, "t", &c), 0);
    assert_int_equal(c.cases, 1);
    assert_int_equal(c.referrals, 2);      /* case 1's, case 3's old one */
    assert_int_equal(c.memberships, 1);    /* case 1's only */
    assert_int_equal(c.notifications, 2);
    assert_int_equal(c.notes, 1);
    assert_int_equal(one(f, "SELECT count(*) FROM referral"), 4);
    assert_int_equal(one(f, "SELECT count(*) FROM event"), 0);
}

static void test_purge_removes_and_records_counts_only(void **state)
{
    fixture_t *f = *state;
    history(f);
    purge_counts_t c;
    assert_int_equal(purge_run(f->store, &f->cfg, NOW, false, "scheduler",
                               &c), 0);
    assert_false(store_in_transaction(f->store));
    assert_int_equal(one(f, "SELECT count(*) FROM referral"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM referral WHERE id IN"
                            " (2, 4)"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM membership"), 3);
    assert_int_equal(one(f, "SELECT count(*) FROM notification"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM cases WHERE"
                            " close_reason IS NULL"), 2);
    assert_int_equal(one(f, "SELECT count(*) FROM event WHERE"
                            " action = 'purge.run' AND actor = 'scheduler'"
                            " AND case_id IS NULL AND ref IS NULL AND"
                            " details = '{\"cases\":1,\"memberships\":1,"
                            "\"notes\":1,\"notifications\":2,"
                            "\"referrals\":2}'"), 1);
    /* Again: nothing left to remove. */
    assert_int_equal(purge_run(f->store, &f->cfg, NOW, false, "t", &c), 0);
    assert_int_equal(c.cases + c.referrals + c.memberships + c.notes, 0);
}

static void test_purge_joins_the_callers_transaction(void **state)
{
    fixture_t *f = *state;
    history(f);
    purge_counts_t c;
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(purge_run(f->store, &f->cfg, NOW, false, "t", &c), 0);
    assert_true(store_in_transaction(f->store));
    store_rollback(f->store);
    assert_int_equal(one(f, "SELECT count(*) FROM referral"), 4);
}

static void test_cutoff_counts_calendar_months(void **state)
{
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 22,
                    .tm_hour = 3, .tm_isdst = -1};
    int64_t t = (int64_t)mktime(&tm);
    tm = (struct tm){.tm_year = 124, .tm_mon = 10, .tm_mday = 22,
                     .tm_hour = 3, .tm_isdst = -1};
    assert_int_equal(purge_cutoff(t, 24), (int64_t)mktime(&tm));
}

/* ------------------------------------------------------------ metrics */

static void test_metrics_text(void **state)
{
    fixture_t *f = *state;
    history(f);
    exec(f, "INSERT INTO agreement (kind, owner_type, owner, description,"
            " policy, due_at, level, created_at, created_by) VALUES"
            " ('progress', 'kernteam', 'k', 'd', 'p', 10, 1, 0, 't')");
    metrics_t *m = metrics_new(42);
    metrics_referral(m, "vt", NULL);
    metrics_referral(m, "vt", NULL);
    metrics_referral(m, "g\"x", "invalid_bsn");
    metrics_latency(m, 0.003);
    metrics_latency(m, 7);
    char *t = metrics_render(m, f->store, NOW);
    assert_non_null(t);
    assert_non_null(strstr(t, "# TYPE regie_referrals_accepted_total "
                              "counter\nregie_referrals_accepted_total"
                              "{partner=\"vt\"} 2\n"));
    assert_non_null(strstr(t, "regie_referrals_refused_total{partner="
                              "\"g\\\"x\",error=\"invalid_bsn\"} 1\n"));
    assert_non_null(strstr(t, "regie_intake_latency_seconds_bucket"
                              "{le=\"0.0025\"} 0\n"));
    assert_non_null(strstr(t, "regie_intake_latency_seconds_bucket"
                              "{le=\"0.005\"} 1\n"));
    assert_non_null(strstr(t, "{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(t, "regie_intake_latency_seconds_count 2\n"));
    assert_non_null(strstr(t, "regie_cases_open 1\n"));
    assert_non_null(strstr(t, "regie_agreements_overdue{kind=\"progress\","
                              "level=\"1\"} 1\n"));
    assert_non_null(strstr(t, "regie_outbox_notifications{status="
                              "\"pending\"} 0\n"));
    assert_non_null(strstr(t, "regie_start_time_seconds 42\n"));
    free(t);
    char path[128];
    snprintf(path, sizeof path, "%s/regie.prom", f->dir);
    assert_int_equal(metrics_write(m, f->store, path, NOW), 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    snprintf(path, sizeof path, "%s/.regie.prom.tmp", f->dir);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/no/such/folder.prom", f->dir);
    assert_int_equal(metrics_write(m, f->store, path, NOW), -1);
    metrics_destroy(&m);
    assert_null(m);
}

/* ------------------------------------------------------------ backup */

static void test_backup_while_writing(void **state)
{
    fixture_t *f = *state;
    history(f);
    backup_t *b = backup_new(f->path);
    problem_t pb = {0};
    char dest[128];
    snprintf(dest, sizeof dest, "%s/copy.db", f->dir);
    assert_int_equal(backup_start(b, "copy.db", NOW, &pb), -1);
    assert_int_equal(pb.code, PROBLEM_BAD_REQUEST);
    assert_int_equal(backup_start(b, dest, NOW, &pb), 0);
    for (int i = 0; backup_running(b) || i < 50; i++) { /* writer goes on */
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO regisseur (name, organisation,"
                 " email, created_at) VALUES ('n%d', 'o', 'e', 0)", i);
        exec(f, sql);
    }
    backup_result_t r;
    assert_true(backup_take_result(b, &r));
    assert_true(r.ok);
    assert_true(r.pages > 0);
    backup_result_clear(&r);
    struct stat sb;
    assert_int_equal(stat(dest, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dest, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM referral",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(backup_start(b, dest, NOW, &pb), -1);
    assert_int_equal(pb.code, PROBLEM_CONFLICT);
    backup_destroy(&b);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_dry_run_counts_and_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_purge_removes_and_records_counts_only, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_purge_joins_the_callers_transaction, setup, teardown),
        cmocka_unit_test(test_cutoff_counts_calendar_months),
        cmocka_unit_test_setup_teardown(test_metrics_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_while_writing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

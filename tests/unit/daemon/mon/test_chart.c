/*
 * Unit tests of chart, the digest chart's numbers, on a real SQLite file
 * with a history written in SQL, in Europe/Amsterdam: twelve ISO weeks up
 * to now's; referrals per week; not kept (missed, overdue now, met with
 * a count that did not match) by partner, regisseur organisation and
 * department, and what is not (met, met late, waived, due later); each
 * week equal to stats_compute's; the owners past CHART_OWNERS together;
 * the text table.
 */
#include "cal.h"
#include "mon/chart.h"
#include "mon/stats.h"
#include "store/store.h"

#include "../tmpstore.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define DAY 86400

typedef struct {
    tmpstore_t *db; /* the database in its temporary folder */
    store_t *store; /* db's */
    int64_t now;               /* Wednesday 7 January 2026 10:00, 2026-W02 */
    int64_t week[CHART_WEEKS]; /* each week's Wednesday 10:00 */
} fixture_t;

static cfg_partner_t s_partners[] = {{.id = "vt", .name = "Veilig Thuis"},
                                     {.id = "ggz", .name = "GGZ Oost"}};
static cfg_department_t s_departments[] = {
    {.id = "inkomen", .addr = {.name = "Afdeling Inkomen"}}};
static cfg_t s_cfg = {.partners = s_partners,
                      .partners_n = 2,
                      .departments = s_departments,
                      .departments_n = 1};

static int64_t local(int y, int m, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->db = tmpstore_new("chart");
    f->store = f->db->store;
    f->now = local(2026, 1, 7, 10, 0);
    for (int w = 0; w < CHART_WEEKS; w++)
        f->week[w] = cal_add_days(f->now, -7 * (CHART_WEEKS - 1 - w));
    assert_int_equal(store_exec(f->store,
                                "INSERT INTO cases (id, opened_at) VALUES (1,"
                                " 0); INSERT INTO regisseur (id, name,"
                                " organisation, email, created_at) VALUES"
                                " (1, 'A. Jansen', 'Leger des Heils',"
                                " 'a@ldh.example', 0)"),
                     0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    f->store = NULL;
    tmpstore_destroy(&f->db);
    free(f);
    return 0;
}

/* Runs one statement made of fmt. */
static void sql(fixture_t *f, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    assert_int_equal(store_exec(f->store, text), 0);
}

static void referral(fixture_t *f, int n, int64_t at)
{
    sql(f,
        "INSERT INTO referral (partner, external_id, digest, case_id, kind,"
        " category, urgency, contact_name, persons, received_at,"
        " case_status) VALUES ('vt', 'R%d', x'00', 1, 'melding', 'ggz',"
        " 'normaal', 'A', 1, %lld, 'new')",
        n, (long long)at);
}

/* An agreement; returns its id. */
static int64_t agreement(fixture_t *f, const char *kind, const char *type,
                         const char *owner, const char *status, int64_t due)
{
    sql(f,
        "INSERT INTO agreement (kind, owner_type, owner, description,"
        " policy, status, due_at, created_at, created_by) VALUES ('%s',"
        " '%s', '%s', 'x', '%s', '%s', %lld, 0, 'test')",
        kind, type, owner, kind, status, (long long)due);
    return store_last_id(f->store);
}

static void occurrence(fixture_t *f, int64_t a, int n, int64_t due,
                       const char *outcome)
{
    sql(f,
        "INSERT INTO occurrence (agreement_id, n, due_at, outcome, at)"
        " VALUES (%lld, %d, %lld, '%s', %lld)",
        (long long)a, n, (long long)due, outcome, (long long)due);
}

/* The history of the tests: see each line. */
static void history(fixture_t *f)
{
    referral(f, 1, f->week[0] - 3 * DAY); /* before the first week */
    referral(f, 2, f->week[0]);
    referral(f, 3, f->week[11] - DAY);
    referral(f, 4, f->week[11]);
    int64_t p = agreement(f, "progress", "regisseur", "1", "open",
                          f->week[11] + 14 * DAY);
    occurrence(f, p, 1, f->week[3], "missed");
    occurrence(f, p, 2, f->week[4], "met");
    occurrence(f, p, 3, f->week[5], "met_late");
    occurrence(f, p, 4, f->week[6], "waived");
    int64_t v =
        agreement(f, "partner", "partner", "vt", "open", f->week[11] + 5 * DAY);
    occurrence(f, v, 1, f->week[10], "missed");
    occurrence(f, v, 2, f->week[11] - DAY, "met"); /* count did not match */
    sql(f,
        "INSERT INTO report (id, source, agreement_id, occurrence, status,"
        " count, received, reconciled, received_at, outcome) VALUES (9,"
        " 'vt', %lld, 2, 'delivered', 3, 5, 0, %lld, 'met')",
        (long long)v, (long long)(f->week[11] - DAY));
    sql(f,
        "UPDATE occurrence SET report_id = 9 WHERE agreement_id = %lld"
        " AND n = 2",
        (long long)v);
    agreement(f, "request", "department", "inkomen", "open", f->now - 3600);
    agreement(f, "request", "department", "inkomen", "open", f->now + 3600);
}

static json_t *data(fixture_t *f)
{
    problem_t pb = {0};
    json_t *d = chart_data(f->store, &s_cfg, f->now, &pb);
    assert_non_null(d);
    return d;
}

static json_int_t at(const json_t *a, size_t i)
{
    return json_integer_value(json_array_get(a, i));
}

/* Asserts that array a holds the n numbers of want. */
static void numbers(const json_t *a, const json_int_t *want)
{
    assert_int_equal(json_array_size(a), CHART_WEEKS);
    for (size_t i = 0; i < CHART_WEEKS; i++)
        if (at(a, i) != want[i])
            fail_msg("week %zu: %lld, want %lld", i, (long long)at(a, i),
                     (long long)want[i]);
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void test_weeks_up_to_now(void **state)
{
    fixture_t *f = *state;
    json_t *d = data(f);
    const json_t *weeks = json_object_get(d, "weeks");
    assert_int_equal(json_array_size(weeks), CHART_WEEKS);
    assert_string_equal(json_string_value(json_array_get(weeks, 0)),
                        "2025-W43");
    assert_string_equal(json_string_value(json_array_get(weeks, 11)),
                        "2026-W02");
    assert_int_equal(json_integer_value(json_object_get(d, "current")), 11);
    /* Monday 00:00 local, to the next Monday (summer time ended in W44). */
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(d, "from"), 0)),
        "2025-10-19T22:00:00Z");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(d, "to"), 0)),
        "2025-10-26T23:00:00Z");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(d, "to"), 11)),
        "2026-01-11T23:00:00Z");
    assert_int_equal(json_array_size(json_object_get(d, "owners")), 0);
    json_decref(d);
}

static void test_not_kept_by_owner(void **state)
{
    fixture_t *f = *state;
    history(f);
    json_t *d = data(f);
    numbers(json_object_get(d, "referrals"),
            (json_int_t[]){1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
    numbers(json_object_get(d, "not_kept"),
            (json_int_t[]){0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2});
    const json_t *o = json_object_get(d, "owners");
    assert_int_equal(json_array_size(o), 3);
    const json_t *vt = json_array_get(o, 0);
    assert_string_equal(str(vt, "type"), "partner");
    assert_string_equal(str(vt, "id"), "vt");
    assert_string_equal(str(vt, "name"), "Veilig Thuis");
    assert_int_equal(json_integer_value(json_object_get(vt, "total")), 2);
    numbers(json_object_get(vt, "not_kept"),
            (json_int_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1});
    /* One each: by name. */
    const json_t *dep = json_array_get(o, 1), *org = json_array_get(o, 2);
    assert_string_equal(str(dep, "type"), "department");
    assert_string_equal(str(dep, "name"), "Afdeling Inkomen");
    numbers(json_object_get(dep, "not_kept"),
            (json_int_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    assert_string_equal(str(org, "type"), "organisation");
    assert_string_equal(str(org, "id"), "Leger des Heils");
    numbers(json_object_get(org, "not_kept"),
            (json_int_t[]){0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
    json_decref(d);
}

/* Missing plus unreconciled of one group of a stats section. */
static json_int_t stats_not_kept(const json_t *st, const char *section,
                                 const char *list, const char *key,
                                 const char *id)
{
    const json_t *rows = json_object_get(
        json_object_get(json_object_get(st, "reports"), section), list);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(str(r, key), id) == 0)
            return json_integer_value(json_object_get(r, "missing")) +
                   json_integer_value(json_object_get(r, "unreconciled"));
    }
    return 0;
}

static void test_each_week_is_stats(void **state)
{
    fixture_t *f = *state;
    history(f);
    json_t *d = data(f);
    const json_t *o = json_object_get(d, "owners");
    int64_t start = stats_week_start(f->now);
    for (size_t w = 0; w < CHART_WEEKS; w++) {
        problem_t pb = {0};
        int64_t from = cal_add_days(start, -7 * (CHART_WEEKS - 1 - (int)w));
        json_t *st = stats_compute(f->store, &s_cfg, from,
                                   cal_add_days(from, 7), f->now, &pb);
        assert_non_null(st);
        assert_int_equal(at(json_object_get(d, "referrals"), w),
                         json_integer_value(json_object_get(
                             json_object_get(st, "referrals"), "total")));
        assert_int_equal(
            at(json_object_get(json_array_get(o, 0), "not_kept"), w),
            stats_not_kept(st, "partner", "by_partner", "partner", "vt"));
        assert_int_equal(
            at(json_object_get(json_array_get(o, 1), "not_kept"), w),
            stats_not_kept(st, "department", "by_department", "department",
                           "inkomen"));
        assert_int_equal(
            at(json_object_get(json_array_get(o, 2), "not_kept"), w),
            stats_not_kept(st, "progress", "by_organisation", "organisation",
                           "Leger des Heils"));
        json_decref(st);
    }
    json_decref(d);
}

static void test_owners_past_the_rows_together(void **state)
{
    fixture_t *f = *state;
    char id[16];
    for (int i = 0; i < CHART_OWNERS + 2; i++) { /* i + 1 missed each */
        snprintf(id, sizeof id, "dep%d", i);
        for (int n = 0; n <= i; n++)
            agreement(f, "custom", "department", id, "open",
                      f->week[n % CHART_WEEKS]);
    }
    json_t *d = data(f);
    const json_t *o = json_object_get(d, "owners");
    assert_int_equal(json_array_size(o), CHART_OWNERS);
    assert_string_equal(str(json_array_get(o, 0), "id"), "dep7");
    assert_string_equal(str(json_array_get(o, 4), "id"), "dep3");
    /* A configured name or, without one, the id. */
    assert_string_equal(str(json_array_get(o, 4), "name"), "dep3");
    const json_t *other = json_array_get(o, CHART_OWNERS - 1);
    assert_string_equal(str(other, "type"), "other");
    assert_string_equal(str(other, "name"), "Overige eigenaren (3)");
    assert_int_equal(json_integer_value(json_object_get(other, "total")),
                     1 + 2 + 3);
    numbers(json_object_get(other, "not_kept"),
            (json_int_t[]){3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    json_int_t sum = 0;
    for (size_t w = 0; w < CHART_WEEKS; w++)
        sum += at(json_object_get(d, "not_kept"), w);
    assert_int_equal(sum, 36); /* 1 + 2 + ... + 8 */
    json_decref(d);
}

static void test_text_table(void **state)
{
    fixture_t *f = *state;
    history(f);
    json_t *d = data(f);
    char *t = chart_text(d);
    assert_non_null(strstr(t, "Week              W43  W44  W45"));
    assert_non_null(strstr(t, "  W01 *W02\n"));
    assert_non_null(strstr(t, "\nVerwijzingen        1    0"));
    assert_non_null(strstr(t, "    0    2\nNiet nagekomen      0"));
    assert_non_null(strstr(t, "\n- Veilig Thuis (partner):\n"
                              "                    0    0"));
    assert_non_null(strstr(t, "\n- Leger des Heils (regisseurs):\n"));
    assert_non_null(strstr(t, "\n- Afdeling Inkomen (gemeente):\n"));
    assert_non_null(strstr(t, "* deze week, tot nu\n"));
    free(t);
    json_decref(d);
}

static void test_text_table_without_owners(void **state)
{
    fixture_t *f = *state;
    json_t *d = data(f);
    char *t = chart_text(d);
    assert_non_null(strstr(t, "Geen afspraken niet nagekomen in deze weken."));
    free(t);
    json_decref(d);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_weeks_up_to_now),    T(test_not_kept_by_owner),
        T(test_each_week_is_stats), T(test_owners_past_the_rows_together),
        T(test_text_table),         T(test_text_table_without_owners),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

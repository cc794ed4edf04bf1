/*
 * Unit tests of the import commands (cmdimport, impcase, impline): on a
 * real store in a temporary folder, without sockets and without mail.
 * One test per behaviour and per refused line: a batch is written
 * whole, with what the same commands one by one make, or not at all; a
 * second run adds nothing; import.check writes nothing; every refused
 * line is listed; a BSN is wiped and never in a message.
 */
#include "config/cfg.h"
#include "control/cmdrun.h"
#include "log.h"
#include "store/store.h"

#include "../tmpstore.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define BSN_A "999990019"
#define BSN_B "999990032"
#define BSN_C "999990044"
#define DUE "2099-03-01T09:00:00Z"

typedef struct {
    tmpstore_t *db; /* the database in its temporary folder */
    cfg_t cfg;
    cfg_department_t dept;
    store_t *store; /* db's */
    cmd_env_t env;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->db = tmpstore_new("imp");
    f->store = f->db->store;
    memset(f->cfg.pseudo_key, 7, sizeof f->cfg.pseudo_key);
    f->cfg.progress_days_complex = 21;
    f->cfg.progress_days_intensive = 42;
    f->cfg.assign_days = 5;
    f->cfg.request_days = 10;
    f->dept.id = "inkomen";
    f->cfg.departments = &f->dept;
    f->cfg.departments_n = 1;
    f->env = (cmd_env_t){.cfg = &f->cfg, .store = f->store};
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

/* Runs command with args as JSON text; *args_out (when given) keeps the
 * arguments as the command left them. Returns the result (the caller
 * decrefs) or NULL, with the problem in *pb. */
static json_t *run(fixture_t *f, const char *command, const char *args,
                   problem_t *pb, json_t **args_out)
{
    json_error_t err;
    json_t *a = json_loads(args, 0, &err);
    if (!a)
        fail_msg("bad test JSON: %s: %s", err.text, args);
    cmd_out_t out;
    int rc = cmdrun_run(&f->env, command, a, "tester", &out);
    assert_false(store_in_transaction(f->store));
    json_t *r = rc == 0 ? json_incref(out.result) : NULL;
    if (pb)
        *pb = out.pb;
    cmdrun_out_clear(&out);
    if (args_out)
        *args_out = a;
    else
        json_decref(a);
    return r;
}

/* Runs a command that must succeed. */
static json_t *ok(fixture_t *f, const char *command, const char *args)
{
    problem_t pb;
    json_t *r = run(f, command, args, &pb, NULL);
    if (!r)
        fail_msg("%s %s: %s", command, args, pb.message);
    return r;
}

static int64_t count(fixture_t *f, const char *sql)
{
    return store_int64(f->store, sql, -1);
}

/* The rows of the tables an import writes, as one number each. */
typedef struct {
    int64_t cases, members, agreements, events, notifications;
} rows_t;

static rows_t rows(fixture_t *f)
{
    return (rows_t){
        count(f, "SELECT count(*) FROM cases"),
        count(f, "SELECT count(*) FROM membership"),
        count(f, "SELECT count(*) FROM agreement"),
        count(f, "SELECT count(*) FROM event"),
        count(f, "SELECT count(*) FROM notification"),
    };
}

static void same_rows(rows_t a, rows_t b)
{
    assert_int_equal(a.cases, b.cases);
    assert_int_equal(a.members, b.members);
    assert_int_equal(a.agreements, b.agreements);
    assert_int_equal(a.events, b.events);
    assert_int_equal(a.notifications, b.notifications);
}

static int64_t num(json_t *o, const char *path1, const char *path2)
{
    return json_integer_value(
        json_object_get(json_object_get(o, path1), path2));
}

static void add_regisseur(fixture_t *f, const char *name, const char *email)
{
    char args[256];
    snprintf(args, sizeof args,
             "{\"name\": \"%s\", \"organisation\": \"Team\","
             " \"email\": \"%s\"}",
             name, email);
    json_decref(ok(f, "regisseur.add", args));
}

/* The message of the error of line, or NULL. */
static const char *error_of(json_t *r, int64_t line)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r, "errors"), i, e)
    {
        if (json_integer_value(json_object_get(e, "line")) == line)
            return json_string_value(json_object_get(e, "message"));
    }
    return NULL;
}

static void has_error(json_t *r, int64_t line, const char *text)
{
    const char *m = error_of(r, line);
    if (!m || !strstr(m, text))
        fail_msg("line %lld: wanted an error with '%s', got '%s'",
                 (long long)line, text, m ? m : "(none)");
}

/* One household: a case by number and BSN, assigned by email, with a
 * custom agreement of the department. */
static const char s_good[] =
    "{\"lines\": ["
    "{\"line\": 2, \"case\": {\"ref\": \"Z-2024-17\", \"bsn\": \"" BSN_A "\","
    " \"regisseur\": \"Anna@ST.example\", \"type\": \"intensive\"}},"
    "{\"line\": 3, \"case\": {\"ref\": \"Z-2024-17\", \"bsn\": \"" BSN_B "\"},"
    " \"agreement\": {\"kind\": \"custom\", \"owner_type\": \"department\","
    " \"owner\": \"inkomen\", \"description\": \"Schuldhulp starten\","
    " \"due\": \"" DUE "\"}}]}";

/* ------------------------------------------------------------ tests */

static void test_a_good_batch_is_written(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    json_t *r = ok(f, "import.run", s_good);
    assert_true(json_is_true(json_object_get(r, "written")));
    assert_int_equal(json_array_size(json_object_get(r, "errors")), 0);
    assert_int_equal(num(r, "cases", "opened"), 1);
    assert_int_equal(num(r, "cases", "joined"), 1);
    assert_int_equal(num(r, "cases", "assigned"), 1);
    assert_int_equal(num(r, "agreements", "made"), 1);
    json_t *done = json_array_get(json_object_get(r, "done"), 1);
    assert_string_equal(json_string_value(json_object_get(done, "case")),
                        "C-000001");
    assert_string_equal(
        json_string_value(json_object_get(done, "agreement_status")), "made");
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE"
                              " external_ref = 'Z-2024-17' AND type ="
                              " 'intensive' AND regisseur_id = 1"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM membership"), 2);
    /* case.assign's progress agreement, every 42 days (intensive), and
     * no assign agreement: the case never was without regisseur. */
    assert_int_equal(count(f, "SELECT count(*) FROM agreement WHERE kind ="
                              " 'progress' AND owner = '1' AND period_days"
                              " = 42 AND import_key IS NULL"),
                     1);
    assert_int_equal(
        count(f, "SELECT count(*) FROM agreement WHERE kind = 'assign'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM agreement WHERE kind ="
                              " 'custom' AND owner_type = 'department' AND"
                              " case_id = 1 AND length(import_key) = 64"
                              " AND created_by = 'user:tester'"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM event WHERE action IN"
                              " ('case.opened', 'case.joined',"
                              " 'case.assigned') AND actor = 'user:tester'"),
                     3);
    assert_int_equal(count(f, "SELECT count(*) FROM event WHERE action ="
                              " 'agreement.made'"),
                     2);
}

static void test_the_same_batch_again_adds_nothing(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    json_decref(ok(f, "import.run", s_good));
    rows_t before = rows(f);
    json_t *r = ok(f, "import.run", s_good);
    assert_true(json_is_true(json_object_get(r, "written")));
    assert_int_equal(num(r, "cases", "opened"), 0);
    assert_int_equal(num(r, "cases", "assigned"), 0);
    assert_int_equal(num(r, "agreements", "made"), 0);
    assert_int_equal(num(r, "agreements", "present"), 1);
    json_decref(r);
    same_rows(before, rows(f));
}

/* The key leaves the due time out: the caseload exported again later,
 * with the due time moved, adds nothing; another description does. */
static void test_the_key_is_case_kind_owner_description(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    json_decref(ok(f, "import.run", s_good));
    char *moved = strdup(s_good);
    memcpy(strstr(moved, "2099-03-01"), "2099-04-02", 10);
    json_t *r = ok(f, "import.run", moved);
    assert_int_equal(num(r, "agreements", "present"), 1);
    json_decref(r);
    memcpy(strstr(moved, "Schuldhulp"), "Schuldhalp", 10);
    r = ok(f, "import.run", moved);
    assert_int_equal(num(r, "agreements", "made"), 1);
    json_decref(r);
    free(moved);
    assert_int_equal(
        count(f, "SELECT count(*) FROM agreement WHERE kind = 'custom'"), 2);
}

static void test_check_writes_nothing(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    rows_t before = rows(f);
    json_t *r = ok(f, "import.check", s_good);
    assert_true(json_is_true(json_object_get(r, "check")));
    assert_false(json_is_true(json_object_get(r, "written")));
    assert_int_equal(num(r, "cases", "opened"), 1); /* what a run would do */
    assert_int_equal(num(r, "agreements", "made"), 1);
    assert_null(json_object_get(r, "done"));
    json_decref(r);
    same_rows(before, rows(f));
}

/* Every refused line is listed, and nothing of the batch is written,
 * not even its good lines. */
static void test_refused_lines_are_all_listed(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    rows_t before = rows(f);
    json_t *r = run(
        f, "import.run",
        "{\"lines\": ["
        "{\"line\": 2, \"case\": {\"ref\": \"Z-1\", \"bsn\": \"" BSN_A "\"}},"
        "{\"line\": 3, \"case\": {\"ref\": \"Z-2\", \"bsn\": \"999990018\"}},"
        "{\"line\": 4, \"case\": {\"ref\": \"Z-3\", \"bsn\": \"" BSN_B "\","
        " \"regisseur\": \"RG-000009\"}},"
        "{\"line\": 5, \"case\": {\"ref\": \"Z-4\", \"bsn\": \"" BSN_B "\","
        " \"regisseur\": \"nobody@x.example\"}},"
        "{\"line\": 6, \"case\": {\"ref\": \"Z-1\"}, \"agreement\": {"
        " \"owner_type\": \"department\", \"owner\": \"wmo\","
        " \"description\": \"x\", \"due\": \"" DUE "\"}},"
        "{\"line\": 7, \"case\": {\"ref\": \"Z-1\"}, \"agreement\": {"
        " \"owner_type\": \"kernteam\", \"owner\": \"kernteam\","
        " \"description\": \"x\", \"due\": \"2001-01-01T09:00:00Z\"}},"
        "{\"line\": 8, \"case\": {\"ref\": \"Z-1\"}, \"agreement\": {"
        " \"owner_type\": \"kernteam\", \"owner\": \"kernteam\","
        " \"description\": \"x\", \"due\": \"" DUE "\","
        " \"policy\": \"none\"}},"
        "{\"line\": 9, \"case\": {\"ref\": \"Z-9\", \"type\": \"big\"}},"
        "{\"line\": 10, \"case\": {\"ref\": \"" BSN_A "\"}},"
        "{\"line\": 11, \"case\": {}},"
        "{\"line\": 12}"
        "]}",
        NULL, NULL);
    assert_non_null(r);
    assert_false(json_is_true(json_object_get(r, "written")));
    assert_null(error_of(r, 2));
    has_error(r, 3, "the BSN fails the elfproef");
    has_error(r, 4, "RG-000009");
    has_error(r, 5, "no active regisseur has the email nobody@x.example");
    has_error(r, 6, "no department 'wmo'");
    has_error(r, 7, "due must be in the future");
    has_error(r, 8, "no policy of that name");
    has_error(r, 9, "type must be complex or intensive");
    has_error(r, 10, "not a BSN");
    has_error(r, 11, "needs a case_ref or a bsn");
    has_error(r, 12, "nothing to import");
    assert_int_equal(json_array_size(json_object_get(r, "errors")), 10);
    char *text = json_dumps(r, 0);
    assert_null(strstr(text, "99999001")); /* no BSN, good or bad */
    free(text);
    json_decref(r);
    same_rows(before, rows(f));
}

/* The BSNs are wiped in the request once hashed, and never echoed. */
static void test_a_bsn_is_wiped(void **state)
{
    fixture_t *f = *state;
    json_t *args;
    json_t *r = run(f, "import.run",
                    "{\"lines\": [{\"line\": 2, \"case\":"
                    " {\"ref\": \"Z-1\", \"bsn\": \"" BSN_A "\"}}]}",
                    NULL, &args);
    assert_non_null(r);
    json_t *kase = json_object_get(
        json_array_get(json_object_get(args, "lines"), 0), "case");
    const char *bsn = json_string_value(json_object_get(kase, "bsn"));
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(bsn[i], '\0');
    json_decref(args);
    json_decref(r);
}

/* A person not in the numbered case joins it, unless they are in
 * another open case; a person's case with another number is refused. */
static void test_a_person_joins_the_numbered_case(void **state)
{
    fixture_t *f = *state;
    json_decref(ok(f, "import.run",
                   "{\"lines\": [{\"line\": 1, \"case\": {\"ref\": \"Z-1\","
                   " \"bsn\": \"" BSN_A "\"}},"
                   "{\"line\": 2, \"case\": {\"bsn\": \"" BSN_C "\"}}]}"));
    json_t *r = ok(f, "import.run",
                   "{\"lines\": [{\"line\": 1, \"case\": {\"ref\": \"Z-1\","
                   " \"bsn\": \"" BSN_B "\"}}]}");
    assert_int_equal(num(r, "cases", "joined"), 1);
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM membership WHERE"
                              " case_id = 1"),
                     2);
    r = ok(f, "import.run",
           "{\"lines\": [{\"line\": 1, \"case\": {\"ref\": \"Z-7\","
           " \"bsn\": \"" BSN_B "\"}},"
           "{\"line\": 2, \"case\": {\"ref\": \"Z-1\","
           " \"bsn\": \"" BSN_C "\"}}]}");
    has_error(r, 1, "whose case number is Z-1, not Z-7");
    has_error(r, 2, "is in open case C-000002, not in case Z-1");
    json_decref(r);
}

/* A case opened without number (as a referral opens one) gets it. */
static void test_an_unnumbered_case_gets_its_number(void **state)
{
    fixture_t *f = *state;
    json_decref(ok(f, "import.run",
                   "{\"lines\": [{\"line\": 1, \"case\": {"
                   " \"bsn\": \"" BSN_A "\"}}]}"));
    json_t *r = ok(f, "import.run",
                   "{\"lines\": [{\"line\": 1, \"case\": {\"ref\": \"Z-5\","
                   " \"bsn\": \"" BSN_A "\"}}]}");
    assert_int_equal(num(r, "cases", "referenced"), 1);
    assert_int_equal(num(r, "cases", "opened"), 0);
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE id = 1 AND"
                              " external_ref = 'Z-5'"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM event WHERE action ="
                              " 'case.referenced' AND case_id = 1"),
                     1);
    /* opened by the first import without regisseur: the kernteam's
     * assign agreement, as for a case a referral opens */
    assert_int_equal(count(f, "SELECT count(*) FROM agreement WHERE kind ="
                              " 'assign' AND case_id = 1"),
                     1);
}

static void test_another_regisseur_is_refused(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    add_regisseur(f, "Bert", "bert@st.example");
    json_decref(ok(f, "import.run", s_good));
    json_t *r = ok(f, "import.run",
                   "{\"lines\": [{\"line\": 4, \"case\": {\"ref\":"
                   " \"Z-2024-17\", \"regisseur\": \"RG-000002\"}}]}");
    has_error(r, 4, "is held by RG-000001");
    json_decref(r);
}

static void test_a_closed_case_is_refused(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
    json_decref(ok(f, "import.run", s_good));
    json_decref(ok(f, "case.close", "{\"case\": 1, \"reason\": \"klaar\"}"));
    rows_t before = rows(f);
    json_t *r = ok(f, "import.run", s_good);
    has_error(r, 2, "case Z-2024-17 (C-000001) is closed");
    has_error(r, 3, "is closed");
    json_decref(r);
    same_rows(before, rows(f));
}

/* A new case that no line gives a person could never be found by a
 * referral: refused. */
static void test_a_new_case_needs_a_person(void **state)
{
    fixture_t *f = *state;
    json_t *r = ok(f, "import.run",
                   "{\"lines\": [{\"line\": 5, \"case\": {\"ref\": \"Z-1\"}}"
                   "]}");
    has_error(r, 5, "no line of the import gives a bsn");
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM cases"), 0);
}

/* The regisseur owner of an agreement may be named by email; the key
 * is the same as by reference. */
static void test_an_owner_by_email(void **state)
{
    fixture_t *f = *state;
    add_regisseur(f, "Anna", "anna@st.example");
#define LINE(owner)                                                            \
    "{\"lines\": [{\"line\": 1, \"case\": {\"bsn\": \"" BSN_A "\"},"           \
    " \"agreement\": {\"owner_type\": \"regisseur\", \"owner\": \"" owner      \
    "\","                                                                      \
    " \"description\": \"Huisbezoek\", \"due\": \"" DUE "\"}}]}"
    const char *args = LINE("anna@st.example");
    json_t *r = ok(f, "import.run", args);
    assert_int_equal(num(r, "agreements", "made"), 1);
    json_decref(r);
    r = ok(f, "import.run", LINE("RG-000001"));
    assert_int_equal(num(r, "agreements", "present"), 1);
    json_decref(r);
}

/* A line of the same case as the one before asks nothing new: nothing
 * to do; but after a refused line (undone), the case is settled anew. */
static void test_lines_of_one_case(void **state)
{
    fixture_t *f = *state;
    json_t *r = ok(
        f, "import.check",
        "{\"lines\": ["
        "{\"line\": 1, \"case\": {\"ref\": \"Z-1\", \"bsn\": \"" BSN_A
        "\"}, \"agreement\": {\"kind\": \"request\", \"owner_type\": "
        "\"department\","
        " \"owner\": \"wmo\", \"description\": \"x\"}},"
        "{\"line\": 2, \"case\": {\"ref\": \"Z-1\", \"bsn\": \"" BSN_A "\"}},"
        "{\"line\": 3, \"case\": {\"ref\": \"Z-1\"}},"
        "{\"line\": 4, \"case\": {\"ref\": \"Z-1\", \"bsn\": \"" BSN_B
        "\"}}]}");
    has_error(r, 1, "no department 'wmo'");
    assert_null(error_of(r, 2));
    assert_int_equal(num(r, "cases", "opened"), 1); /* by line 2 */
    assert_int_equal(num(r, "cases", "joined"), 1); /* line 4 */
    json_decref(r);
}

static void test_bad_requests(void **state)
{
    fixture_t *f = *state;
    problem_t pb;
    assert_null(run(f, "import.run", "{\"lines\": []}", &pb, NULL));
    assert_non_null(strstr(pb.message, "lines must be 1 to 10000 objects"));
    assert_null(run(f, "import.run", "{\"lines\": [1]}", &pb, NULL));
    assert_int_equal(pb.code, PROBLEM_BAD_REQUEST);
    assert_null(run(f, "import.run", "{\"lines\": {}}", &pb, NULL));
    assert_non_null(strstr(pb.message, "lines must be an array"));
    json_t *r = ok(f, "import.run",
                   "{\"lines\": [{\"line\": 3, \"x\": 1},"
                   " {\"line\": 4, \"case\": {\"bsn\": \"" BSN_A "\"},"
                   "  \"agreement\": {\"case\": 1, \"owner_type\":"
                   " \"kernteam\", \"owner\": \"kernteam\","
                   " \"description\": \"x\", \"due\": \"" DUE "\"}}]}");
    has_error(r, 3, "line takes no argument 'x'");
    has_error(r, 4, "takes no case of its own");
    json_decref(r);
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARNING);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_good_batch_is_written),
        T(test_the_same_batch_again_adds_nothing),
        T(test_the_key_is_case_kind_owner_description),
        T(test_check_writes_nothing),
        T(test_refused_lines_are_all_listed),
        T(test_a_bsn_is_wiped),
        T(test_a_person_joins_the_numbered_case),
        T(test_an_unnumbered_case_gets_its_number),
        T(test_another_regisseur_is_refused),
        T(test_a_closed_case_is_refused),
        T(test_a_new_case_needs_a_person),
        T(test_an_owner_by_email),
        T(test_lines_of_one_case),
        T(test_bad_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the control commands (cmdrun and the command families) and the domain modules
 * behind them (regisseur, casefile) on a real store in a temporary
 * folder, without sockets and without notifications: one test per
 * behaviour and per rejected input.
 */
#include "cases/casefile.h"
#include "clock.h"
#include "config/cfg.h"
#include "control/cmdrun.h"
#include "control/ctl.h"
#include "log.h"
#include "cases/match.h"
#include "pseudo.h"
#include "cases/regisseur.h"
#include "store/store.h"

#include "../tmpstore.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
    tmpstore_t *db; /* the database in its temporary folder */
    cfg_t cfg;
    store_t *store; /* db's */
    cmd_env_t env;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->db = tmpstore_new("ctl");
    f->store = f->db->store;
    memset(f->cfg.pseudo_key, 7, sizeof f->cfg.pseudo_key);
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

/* Runs command with args given as JSON text; returns the outcome code
 * and leaves the result or problem in out. */
static problem_code_t run(fixture_t *f, const char *command, const char *args,
                          cmd_out_t *out)
{
    json_t *a = json_loads(args, 0, NULL);
    assert_non_null(a);
    int rc = cmdrun_run(&f->env, command, a, "tester", out);
    json_decref(a);
    assert_false(store_in_transaction(f->store));
    return rc == 0 ? PROBLEM_NONE : out->pb.code;
}

/* Runs a command that must succeed; returns its result (caller decrefs). */
static json_t *ok(fixture_t *f, const char *command, const char *args)
{
    cmd_out_t out;
    problem_code_t code = run(f, command, args, &out);
    if (code != PROBLEM_NONE)
        fail_msg("%s %s: %s", command, args, out.pb.message);
    json_t *r = json_incref(out.result);
    cmdrun_out_clear(&out);
    return r;
}

/* Runs a command that must fail with code and a message holding text. */
static void refused(fixture_t *f, const char *command, const char *args,
                    problem_code_t code, const char *text)
{
    cmd_out_t out;
    assert_int_equal(run(f, command, args, &out), code);
    if (!strstr(out.pb.message, text))
        fail_msg("%s %s: message '%s' lacks '%s'", command, args,
                 out.pb.message, text);
    assert_null(out.result);
    cmdrun_out_clear(&out);
}

/* Opens a case for the person with this BSN, as the intake would (with
 * one referral row); returns its id. */
static int64_t open_case(fixture_t *f, const char *bsn)
{
    unsigned char p[1][PSEUDO_LEN];
    pseudo_person(f->cfg.pseudo_key, bsn, p[0]);
    match_result_t m;
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(match_find(f->store, (const void *)p, 1, 1000, &m), 0);
    char *sql = sqlite3_mprintf(
        "INSERT INTO referral (partner, external_id, digest, case_id, kind,"
        " category, urgency, contact_name, persons, received_at,"
        " case_status, note) VALUES ('vt', 'x%lld', x'00', %lld, 'melding',"
        " 'jeugd', 'normaal', 'J. de Vries', 1, 1000, 'new', 'voor het kt')",
        (long long)m.case_id, (long long)m.case_id);
    assert_int_equal(store_exec(f->store, sql), 0);
    sqlite3_free(sql);
    assert_int_equal(match_join(f->store, m.case_id, (const void *)p, 1,
                                store_last_id(f->store), 1000),
                     0);
    assert_int_equal(store_commit(f->store), 0);
    return m.case_id;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void add(fixture_t *f, const char *name, const char *email)
{
    char args[256];
    snprintf(args, sizeof args,
             "{\"name\": \"%s\", \"organisation\": "
             "\"Team\", \"email\": \"%s\"}",
             name, email);
    json_decref(ok(f, "regisseur.add", args));
}

/* ------------------------------------------------------------ dispatch */

static void test_ping(void **state)
{
    json_t *r = ok(*state, "ping", "{}");
    assert_string_equal(str(r, "version"), REGIE_VERSION);
    json_decref(r);
}

static void test_unknown_command(void **state)
{
    refused(*state, "case.frobnicate", "{}", PROBLEM_BAD_REQUEST,
            "unknown command 'case.frobnicate'");
    cmd_out_t out;
    run(*state, "999990019", "{}", &out);
    assert_null(strstr(out.pb.message, "999990019")); /* never echoed */
    cmdrun_out_clear(&out);
}

static void test_argument_checks(void **state)
{
    refused(*state, "case.show", "{}", PROBLEM_BAD_REQUEST,
            "the argument case is required");
    refused(*state, "case.show", "{\"case\": 1, \"x\": 2}", PROBLEM_BAD_REQUEST,
            "case.show takes no argument 'x'");
    refused(*state, "case.show", "{\"case\": [1]}", PROBLEM_BAD_REQUEST,
            "case must be a reference");
    refused(*state, "case.show", "{\"case\": \"RG-1\"}", PROBLEM_BAD_REQUEST,
            "case must be a reference like C-000017");
    refused(*state, "case.show", "{\"case\": 0}", PROBLEM_BAD_REQUEST,
            "case must be a reference");
    refused(*state, "regisseur.list", "{\"all\": 1}", PROBLEM_BAD_REQUEST,
            "all must be true or false");
    refused(*state, "outbox.list", "{\"limit\": 0}", PROBLEM_BAD_REQUEST,
            "limit must be 1 to 1000");
}

/* ------------------------------------------------------------ regisseurs */

static void test_regisseur_add(void **state)
{
    json_t *r = ok(*state, "regisseur.add",
                   "{\"name\": \"Anna\", \"organisation\": \"ST\","
                   " \"email\": \"anna@st.example\", \"phone\": \"0317 1\"}");
    assert_string_equal(str(r, "regisseur"), "RG-000001");
    assert_string_equal(str(r, "phone"), "0317 1");
    assert_true(json_is_true(json_object_get(r, "active")));
    json_decref(r);
}

static void test_regisseur_bad_fields(void **state)
{
    const char *emails[] = {
        "a",       "a@b",      "@b.nl",    "a@b.",
        "a@@b.nl", "a b@c.nl", "<a@b.nl>", "a@b.nl\\r\\nBcc: x@y.nl",
        "a,b@c.nl"};
    for (size_t i = 0; i < sizeof emails / sizeof *emails; i++) {
        char args[200];
        snprintf(args, sizeof args,
                 "{\"name\": \"A\", \"organisation\":"
                 " \"B\", \"email\": \"%s\"}",
                 emails[i]);
        refused(*state, "regisseur.add", args, PROBLEM_BAD_REQUEST,
                "email must be one address");
    }
    refused(*state, "regisseur.add",
            "{\"name\": \"A\\nB\", \"organisation\": \"B\","
            " \"email\": \"a@b.nl\"}",
            PROBLEM_BAD_REQUEST, "name must be");
    refused(*state, "regisseur.add",
            "{\"name\": \"A\", \"organisation\": \"   \","
            " \"email\": \"a@b.nl\"}",
            PROBLEM_BAD_REQUEST, "organisation must be");
    refused(*state, "regisseur.add",
            "{\"name\": \"A\", \"organisation\": \"B\","
            " \"email\": \"a@b.nl\", \"phone\": \"bel maar\"}",
            PROBLEM_BAD_REQUEST, "phone must be");
    refused(*state, "regisseur.add",
            "{\"name\": \"A\", \"organisation\": \"B\"}", PROBLEM_BAD_REQUEST,
            "the argument email is required");
    json_t *list = ok(*state, "regisseur.list", "{\"all\": true}");
    assert_int_equal(json_array_size(list), 0); /* nothing stored */
    json_decref(list);
}

static void test_regisseur_email_unique(void **state)
{
    add(*state, "Anna", "anna@st.example");
    refused(*state, "regisseur.add",
            "{\"name\": \"B\", \"organisation\": \"T\","
            " \"email\": \"ANNA@st.example\"}",
            PROBLEM_CONFLICT, "RG-000001 (Anna) has this email already");
    add(*state, "Bob", "bob@st.example");
    refused(*state, "regisseur.update",
            "{\"regisseur\": 2, \"email\": \"anna@st.example\"}",
            PROBLEM_CONFLICT, "has this email already");
    /* an inactive regisseur's address is free again */
    json_decref(ok(*state, "regisseur.deactivate", "{\"regisseur\": 1}"));
    add(*state, "Anna 2", "anna@st.example");
    refused(*state, "regisseur.activate", "{\"regisseur\": 1}",
            PROBLEM_CONFLICT, "RG-000003 (Anna 2) has this email already");
}

static void test_regisseur_update(void **state)
{
    json_decref(ok(*state, "regisseur.add",
                   "{\"name\": \"A\", \"organisation\": \"B\","
                   " \"email\": \"a@b.nl\", \"phone\": \"1\"}"));
    json_t *r = ok(*state, "regisseur.update",
                   "{\"regisseur\": \"RG-1\", \"name\": \"Anna\"}");
    assert_string_equal(str(r, "name"), "Anna");
    assert_string_equal(str(r, "phone"), "1");
    json_decref(r);
    r = ok(*state, "regisseur.update", "{\"regisseur\": 1, \"phone\": \"\"}");
    assert_true(json_is_null(json_object_get(r, "phone")));
    json_decref(r);
    refused(*state, "regisseur.update", "{\"regisseur\": 1}",
            PROBLEM_BAD_REQUEST, "nothing to change");
    refused(*state, "regisseur.update", "{\"regisseur\": 9, \"name\": \"X\"}",
            PROBLEM_NOT_FOUND, "there is no regisseur RG-000009");
}

static void test_regisseur_deactivate(void **state)
{
    fixture_t *f = *state;
    add(f, "A", "a@b.nl");
    int64_t c = open_case(f, "999990019");
    char args[64];
    snprintf(args, sizeof args, "{\"case\": %lld, \"regisseur\": 1}",
             (long long)c);
    json_decref(ok(f, "case.assign", args));
    refused(f, "regisseur.deactivate", "{\"regisseur\": 1}", PROBLEM_CONFLICT,
            "still holds 1 open case");
    snprintf(args, sizeof args, "{\"case\": %lld, \"reason\": \"klaar\"}",
             (long long)c);
    json_decref(ok(f, "case.close", args));
    json_t *r = ok(f, "regisseur.deactivate", "{\"regisseur\": 1}");
    assert_true(json_is_false(json_object_get(r, "active")));
    json_decref(r);
    refused(f, "regisseur.deactivate", "{\"regisseur\": 1}", PROBLEM_CONFLICT,
            "inactive already");
    json_t *list = ok(f, "regisseur.list", "{}");
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    int64_t c2 = open_case(f, "999990032");
    snprintf(args, sizeof args, "{\"case\": %lld, \"regisseur\": 1}",
             (long long)c2);
    refused(f, "case.assign", args, PROBLEM_CONFLICT,
            "is inactive and cannot be assigned");
}

/* ------------------------------------------------------------ cases */

static void test_case_list_and_show(void **state)
{
    fixture_t *f = *state;
    int64_t a = open_case(f, "999990019");
    open_case(f, "999990032");
    f->cfg.partners_n = 0;
    json_t *rows = ok(f, "case.list", "{\"unassigned\": true}");
    assert_int_equal(json_array_size(rows), 2);
    json_t *row = json_array_get(rows, 0);
    assert_string_equal(str(row, "case"), "C-000001");
    assert_int_equal(json_integer_value(json_object_get(row, "persons")), 1);
    assert_int_equal(json_integer_value(json_object_get(row, "referrals")), 1);
    assert_string_equal(str(row, "opened_at"), "1970-01-01T00:16:40Z");
    json_decref(rows);
    char args[64];
    snprintf(args, sizeof args, "{\"case\": \"C-%06lld\"}", (long long)a);
    json_t *c = ok(f, "case.show", args);
    json_t *ref = json_array_get(json_object_get(c, "referrals"), 0);
    assert_string_equal(str(ref, "partner"), "vt");
    assert_true(json_is_null(json_object_get(ref, "partner_name")));
    assert_string_equal(str(ref, "note"), "voor het kt");
    assert_string_equal(str(json_object_get(ref, "contact"), "name"),
                        "J. de Vries");
    json_decref(c);
    refused(f, "case.show", "{\"case\": 99}", PROBLEM_NOT_FOUND,
            "there is no case C-000099");
    refused(f, "case.list", "{\"status\": \"gone\"}", PROBLEM_BAD_REQUEST,
            "status must be open, closed or all");
    refused(f, "case.list", "{\"regisseur\": 5}", PROBLEM_NOT_FOUND,
            "no regisseur RG-000005");
}

static void test_case_assign(void **state)
{
    fixture_t *f = *state;
    add(f, "A", "a@b.nl");
    add(f, "B", "b@b.nl");
    open_case(f, "999990019");
    json_t *r = ok(f, "case.assign", "{\"case\": 1, \"regisseur\": 1}");
    assert_true(json_is_null(json_object_get(r, "previous")));
    assert_string_equal(str(r, "regisseur_name"), "A");
    json_decref(r);
    r = ok(f, "case.assign", "{\"case\": \"C-1\", \"regisseur\": \"RG-2\"}");
    assert_string_equal(str(r, "previous"), "RG-000001");
    json_decref(r);
    refused(f, "case.assign", "{\"case\": 1, \"regisseur\": 2}",
            PROBLEM_CONFLICT, "case C-000001 is assigned to RG-000002");
    refused(f, "case.assign", "{\"case\": 1, \"regisseur\": 7}",
            PROBLEM_NOT_FOUND, "there is no regisseur RG-000007");
    refused(f, "case.assign", "{\"case\": 8, \"regisseur\": 1}",
            PROBLEM_NOT_FOUND, "there is no case C-000008");
    json_t *mine = ok(f, "case.list", "{\"regisseur\": 2}");
    assert_int_equal(json_array_size(mine), 1);
    json_decref(mine);
}

static void test_case_type(void **state)
{
    fixture_t *f = *state;
    open_case(f, "999990019");
    json_t *r = ok(f, "case.type", "{\"case\": 1, \"type\": \"intensive\"}");
    assert_string_equal(str(r, "type"), "intensive");
    assert_string_equal(str(r, "previous"), "complex");
    json_decref(r);
    refused(f, "case.type", "{\"case\": 1, \"type\": \"intensive\"}",
            PROBLEM_CONFLICT, "is intensive already");
    refused(f, "case.type", "{\"case\": 1, \"type\": \"Complex\"}",
            PROBLEM_BAD_REQUEST, "type must be complex or intensive");
}

static void test_case_close(void **state)
{
    fixture_t *f = *state;
    add(f, "A", "a@b.nl");
    open_case(f, "999990019");
    refused(f, "case.close", "{\"case\": 1, \"reason\": \" \\n \"}",
            PROBLEM_BAD_REQUEST, "reason is required");
    refused(f, "case.close", "{\"case\": 1, \"reason\": \"a\\u001bb\"}",
            PROBLEM_BAD_REQUEST, "reason is required");
    json_t *r = ok(f, "case.close",
                   "{\"case\": 1, \"reason\": \"plan klaar\\nverhuisd\"}");
    assert_string_equal(str(r, "status"), "closed");
    assert_string_equal(str(r, "close_reason"), "plan klaar\nverhuisd");
    json_decref(r);
    refused(f, "case.close", "{\"case\": 1, \"reason\": \"x\"}",
            PROBLEM_CONFLICT, "cannot close a closed case");
    refused(f, "case.assign", "{\"case\": 1, \"regisseur\": 1}",
            PROBLEM_CONFLICT, "cannot assign a closed case");
    refused(f, "case.type", "{\"case\": 1, \"type\": \"intensive\"}",
            PROBLEM_CONFLICT, "closed");
    json_t *open = ok(f, "case.list", "{}");
    json_t *all = ok(f, "case.list", "{\"status\": \"all\"}");
    assert_int_equal(json_array_size(open), 0);
    assert_int_equal(json_array_size(all), 1);
    json_decref(open);
    json_decref(all);
}

static void test_case_lookup(void **state)
{
    fixture_t *f = *state;
    open_case(f, "999990019");
    json_t *r = ok(f, "case.lookup", "{\"bsn\": \"999990019\"}");
    assert_int_equal(json_array_size(r), 1);
    json_decref(r);
    r = ok(f, "case.lookup", "{\"bsn\": \"999990032\"}");
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    refused(f, "case.lookup", "{\"bsn\": \"999990018\"}", PROBLEM_BAD_REQUEST,
            "the BSN fails the elfproef");
    refused(f, "case.lookup", "{\"bsn\": \"99999001\"}", PROBLEM_BAD_REQUEST,
            "the BSN is not 9 digits");
    refused(f, "case.lookup", "{\"bsn\": 999990019}", PROBLEM_BAD_REQUEST,
            "bsn must be a string");
}

/* stats: a period of more than ten years is refused (its figures would
 * hold the main thread, and so the intake, for seconds); one that starts
 * before 1970 (a negative time) is used as asked, not taken for an
 * absent from. */
static void test_stats_period(void **state)
{
    refused(*state, "stats",
            "{\"from\": \"2016-01-01\", \"to\": \"2026-12-31\"}",
            PROBLEM_BAD_REQUEST, "at most 3660 days");
    refused(*state, "stats",
            "{\"from\": \"2026-11-01\", \"to\": \"4052-11-30\"}",
            PROBLEM_BAD_REQUEST, "at most 3660 days");
    json_t *r = ok(*state, "stats",
                   "{\"from\": \"2016-12-01\", \"to\": \"2026-11-30\"}");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(r, "weeks"), 0)),
        "2016-W48");
    json_decref(r);
    r = ok(*state, "stats",
           "{\"from\": \"1969-12-01\", \"to\": \"1970-01-31\"}");
    json_t *weeks = json_object_get(r, "weeks");
    assert_string_equal(json_string_value(json_array_get(weeks, 0)),
                        "1969-W49");
    json_decref(r);
}

/* clock.advance (--test-clock): more than 100 years at once is refused;
 * the seconds in milliseconds overflowed (undefined behaviour). */
static void test_clock_advance_bound(void **state)
{
    clock_allow_setting(1);
    refused(*state, "clock.advance", "{\"seconds\": 9223372036854775807}",
            PROBLEM_BAD_REQUEST, "at most 3155760000");
    refused(*state, "clock.advance", "{\"seconds\": 3155760001}",
            PROBLEM_BAD_REQUEST, "at most 3155760000");
    json_decref(ok(*state, "clock.advance", "{\"seconds\": 60}"));
    clock_set(time(NULL));
    clock_allow_setting(0);
}

/* ctl_answer: a refusal that quotes a request's text cut inside a UTF-8
 * character (a member name of 39 + 2 bytes, shown as '%.40s') is still a
 * JSON reply, with '?' for the broken byte; it was NULL, which the
 * socket's send then took for a string. */
static void test_answer_cut_utf8(void **state)
{
    fixture_t *f = *state;
    const char *reqs[] = {
        "{\"command\": \"ping\", "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9\": 1}",
        "{\"command\": \"case.show\", \"args\": "
        "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9\": 1}}"};
    for (size_t i = 0; i < 2; i++) {
        char *body = strdup(reqs[i]);
        char *reply = ctl_answer(&f->env, body, strlen(body), "0");
        assert_non_null(reply);
        json_t *o = json_loads(reply, 0, NULL);
        assert_non_null(o);
        assert_string_equal(str(o, "error"), "bad_request");
        assert_non_null(strstr(str(o, "message"), "aaa?'"));
        json_decref(o);
        free(reply);
        free(body);
    }
}

/* A store error: the command is refused as unavailable and nothing of
 * it stays. */
static void test_unavailable(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(store_exec(f->store, "PRAGMA query_only=ON"), 0);
    log_set_level(LOG_LEVEL_ERR - 1); /* the store's error line is expected */
    refused(f, "regisseur.add",
            "{\"name\": \"A\", \"organisation\": \"B\","
            " \"email\": \"a@b.nl\"}",
            PROBLEM_UNAVAILABLE, "nothing was changed");
    log_set_level(LOG_LEVEL_WARNING);
    assert_int_equal(store_exec(f->store, "PRAGMA query_only=OFF"), 0);
    json_t *list = ok(f, "regisseur.list", "{\"all\": true}");
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARNING);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ping),
        T(test_unknown_command),
        T(test_argument_checks),
        T(test_regisseur_add),
        T(test_regisseur_bad_fields),
        T(test_regisseur_email_unique),
        T(test_regisseur_update),
        T(test_regisseur_deactivate),
        T(test_case_list_and_show),
        T(test_case_assign),
        T(test_case_type),
        T(test_case_close),
        T(test_case_lookup),
        T(test_stats_period),
        T(test_answer_cut_utf8),
        T(test_clock_advance_bound),
        T(test_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

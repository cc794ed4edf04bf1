/*
 * fuzz_control — the control socket's requests (ctl_answer: parse, shape,
 * cmdrun_run, reply) on a real store, without a socket.
 *
 * An input is a session: one request per line (LF; empty lines are
 * skipped), at most S_REQUESTS lines, each answered in turn as if it came from
 * regiectl, so that one request can make what the next one changes. Every input
 * starts from the same store: made once per process (a temporary file, with the
 * configuration of S_CONFIG, three cases and two regisseurs), copied to memory,
 * and copied back before each input; the test clock is set to S_NOW. The store
 * runs with synchronous=OFF (the fuzzer tests no durability). Notifications are
 * rendered into the outbox (the templates of config/templates); nothing is
 * sent. Monitoring is off (backup answers unavailable, so no file is written
 * outside the folder).
 */
#include "fuzz.h"

#include "cases/match.h"
#include "clock.h"
#include "config/cfg.h"
#include "config/cfgload.h"
#include "control/ctl.h"
#include "log.h"
#include "mail/notify.h"
#include "pseudo.h"
#include "store/store.h"
#include "xmem.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_REQUESTS 32
#define S_NOW 1795000000 /* 2026-11-18 (a Wednesday), 09:06:40 UTC */

static const char S_CONFIG[] =
    "daemon: { intake = [ \"tcp://127.0.0.1:5710\" ];\n"
    "  server_secret_key = \"server.key\"; database = \"regie.db\";\n"
    "  pseudonym_key = \"pseudonym.key\"; control = \"control\"; };\n"
    "timezone = \"Europe/Amsterdam\";\n"
    "mail: { templates = \"templates\";\n"
    "  from = { name = \"Regie\"; email = \"regie@gemeente.example\"; };\n"
    "  kernteam = { name = \"Kernteam\"; email = \"kt@gemeente.example\"; };\n"
    "  gemeente = { name = \"Gemeente\"; email = \"mon@gemeente.example\"; };\n"
    "  quiet_hours = \"20:00-07:00\"; smtp: { host = \"localhost\"; }; };\n"
    "categories = [ \"huiselijk_geweld\", \"kindermishandeling\", \"ggz\",\n"
    "  \"jeugd\", \"overig\" ];\n"
    "agreements: { assign_days = 5; request_days = 10; };\n"
    "departments = ( { id = \"inkomen\"; name = \"Team Inkomen\";\n"
    "  email = \"inkomen@gemeente.example\"; } );\n"
    "monitoring: { digest = \"monday 08:00\"; };\n"
    "partners = (\n"
    "  { id = \"vt\"; name = \"Veilig Thuis\";\n"
    "    public_key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\";\n"
    "    disclose_regisseur = true; email = \"beheer@vt.example\";\n"
    "    report = { every_days = 7; first_due = \"2026-11-23 09:00\";\n"
    "               description = \"Wekelijkse opgave\"; }; },\n"
    "  { id = \"ggz\"; name = \"GGZ\";\n"
    "    public_key = \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\"; } );\n";

static cfg_t *s_cfg;
static store_t *s_store;
static notify_t *s_notify;
static sqlite3 *s_snapshot; /* the store as every input starts from it */

static void s_die(const char *what)
{
    fprintf(stderr, "fuzz_control: %s\n", what);
    abort();
}

/* Copies database main of from into to. */
static void s_copy(sqlite3 *to, sqlite3 *from)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE ||
        sqlite3_backup_finish(b) != SQLITE_OK)
        s_die(sqlite3_errmsg(to));
}

/* Opens a case for the persons with these BSNs, with one referral, as
 * the intake would. */
static void s_case(const char *const *bsns, size_t n, const char *ext)
{
    unsigned char p[4][PSEUDO_LEN];
    for (size_t i = 0; i < n; i++)
        pseudo_person(s_cfg->pseudo_key, bsns[i], p[i]);
    match_result_t m;
    if (store_begin(s_store) < 0 ||
        match_find(s_store, (const void *)p, n, S_NOW, &m) < 0)
        s_die("cannot open a case");
    char *sql = sqlite3_mprintf(
        "INSERT INTO referral (partner, external_id, digest, case_id, kind,"
        " category, urgency, contact_name, persons, received_at,"
        " case_status, note) VALUES ('vt', %Q, x'00', %lld, 'melding',"
        " 'jeugd', 'normaal', 'J. de Vries', %d, %lld, 'new', 'voor het kt')",
        ext, (long long)m.case_id, (int)n, (long long)S_NOW);
    if (store_exec(s_store, sql) < 0 ||
        match_join(s_store, m.case_id, (const void *)p, n,
                   store_last_id(s_store), S_NOW) < 0 ||
        store_commit(s_store) < 0)
        s_die("cannot add a referral");
    sqlite3_free(sql);
}

/* Runs one request of the setup, which must succeed. */
static void s_setup_request(const char *text)
{
    cmd_env_t env = {.cfg = s_cfg, .store = s_store, .notify = s_notify};
    char *buf = xstrdup(text);
    char *reply = ctl_answer(&env, buf, strlen(buf), "0");
    if (!strstr(reply, "\"ok\":true"))
        s_die(reply);
    free(reply);
    free(buf);
}

static void s_setup(void)
{
    log_set_level(LOG_LEVEL_ERR);
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    clock_allow_setting(1);
    clock_set(S_NOW);
    fuzz_keys();
    fuzz_templates();
    char *path = fuzz_write("regie.conf", S_CONFIG, strlen(S_CONFIG), 0644);
    if (!(s_cfg = cfgload_read(path)) ||
        !(s_store = store_open(s_cfg->database, 1000, 0)) ||
        !(s_notify = notify_new(s_cfg)) ||
        store_exec(s_store, "PRAGMA synchronous=OFF") < 0)
        s_die("cannot set up");
    free(path);
    static const char *const a[] = {"999910012"};
    static const char *const b[] = {"999910024", "999910036"};
    static const char *const c[] = {"999910048"};
    s_case(a, 1, "VT-1");
    s_case(b, 2, "VT-2");
    s_case(c, 1, "VT-3");
    s_setup_request("{\"command\": \"regisseur.add\", \"args\": {\"name\":"
                    " \"Anna\", \"organisation\": \"ST\", \"email\":"
                    " \"anna@st.example\"}, \"user\": \"setup\"}");
    s_setup_request("{\"command\": \"regisseur.add\", \"args\": {\"name\":"
                    " \"Bert\", \"organisation\": \"LdH\", \"email\":"
                    " \"bert@ldh.example\", \"phone\": \"0317 1\"}}");
    s_setup_request("{\"command\": \"case.assign\", \"args\": {\"case\": 3,"
                    " \"regisseur\": 1}}");
    s_setup_request("{\"command\": \"agreement.make\", \"args\":"
                    " {\"owner_type\": \"department\", \"owner\":"
                    " \"inkomen\", \"case\": 3, \"description\":"
                    " \"Uitkering regelen\", \"due\": \"2026-12-01 09:00\"}}");
    if (sqlite3_open(":memory:", &s_snapshot) != SQLITE_OK)
        s_die("cannot open the snapshot");
    s_copy(s_snapshot, store_db(s_store));
}

/* Puts the store back as s_setup left it. */
static void s_reset(void)
{
    sqlite3 *db = store_db(s_store);
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st;
         st = sqlite3_next_stmt(db, st))
        sqlite3_reset(st);
    if (store_in_transaction(s_store))
        s_die("a transaction was left open");
    s_copy(db, s_snapshot);
    clock_set(S_NOW);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_store)
        s_setup();
    else
        s_reset();
    cmd_env_t env = {.cfg = s_cfg, .store = s_store, .notify = s_notify};
    const char *at = (const char *)data, *end = at + size, *line;
    size_t len;
    for (int i = 0;
         i < S_REQUESTS && (line = fuzz_split(&at, end, "\n", 1, &len)) != NULL;
         i++) {
        if (len == 0)
            continue; /* an empty line, e.g. the last */
        char *buf = xmalloc(len + 1);
        memcpy(buf, line, len);
        char *reply = ctl_answer(&env, buf, len, "1000");
        if (!reply)
            abort(); /* ctl_handle would send strlen(NULL) */
        free(reply);
        free(buf);
    }
    return 0;
}

/*
 * schema — the tables of regie's database, one version at a time: each
 * version's SQL (only ever added to: a database made by an older regied
 * is brought up to date at open, one version per transaction, and
 * PRAGMA user_version says where it is).
 */
#include "schema.h"

#include "log.h"

#include <stdbool.h>
#include <stdio.h>

/* Schema version 1: cases, the persons in them (as pseudonyms), the
 * referrals, and the regisseurs who may hold a case. Times are seconds
 * since the epoch, UTC. */
static const char s_schema_v1[] =
    "CREATE TABLE regisseur ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " organisation TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " phone TEXT,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY,"
    " status TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (status IN ('open', 'closed')),"
    " type TEXT NOT NULL DEFAULT 'complex'"
    "  CHECK (type IN ('complex', 'intensive')),"
    " regisseur_id INTEGER REFERENCES regisseur(id),"
    " opened_at INTEGER NOT NULL,"
    " closed_at INTEGER,"
    " close_reason TEXT);"
    "CREATE INDEX cases_regisseur ON cases(regisseur_id);"
    /* A person is its pseudonym; membership says which cases hold it. */
    "CREATE TABLE membership ("
    " pseudonym BLOB NOT NULL,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " referral_id INTEGER NOT NULL,"
    " joined_at INTEGER NOT NULL,"
    " PRIMARY KEY (pseudonym, case_id)) WITHOUT ROWID;"
    "CREATE INDEX membership_case ON membership(case_id);"
    "CREATE TABLE referral ("
    " id INTEGER PRIMARY KEY,"
    " partner TEXT NOT NULL,"
    " external_id TEXT NOT NULL,"
    " digest BLOB NOT NULL," /* keyed digest of the body */
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " kind TEXT NOT NULL,"
    " category TEXT NOT NULL,"
    " urgency TEXT NOT NULL,"
    " birth_date TEXT,"
    " postcode TEXT,"
    " contact_name TEXT NOT NULL,"
    " contact_email TEXT,"
    " contact_phone TEXT,"
    " occurred_at TEXT,"
    " note TEXT,"
    " persons INTEGER NOT NULL,"
    " overlap INTEGER NOT NULL DEFAULT 0," /* spanned several cases */
    " received_at INTEGER NOT NULL,"
    " case_status TEXT NOT NULL," /* as first acknowledged */
    " ack_regisseur TEXT,"        /* the regisseur disclosed, JSON */
    " UNIQUE (partner, external_id));"
    "CREATE INDEX referral_case ON referral(case_id);"
    "CREATE INDEX referral_partner_time ON referral(partner, received_at);";

/* Schema version 2: the outbox. Every email is a row first; key is
 * unique (cause and recipient), so nothing is queued twice. */
static const char s_schema_v2[] =
    "CREATE TABLE notification ("
    " id INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL UNIQUE,"
    " recipient TEXT,"
    " recipient_name TEXT,"
    " subject TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " urgent INTEGER NOT NULL DEFAULT 0,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending', 'sent', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " next_attempt_at INTEGER NOT NULL,"
    " sent_at INTEGER,"
    " last_error TEXT,"
    " case_id INTEGER,"
    " referral_id INTEGER);"
    "CREATE INDEX notification_due ON notification(status, next_attempt_at);"
    "CREATE INDEX notification_case ON notification(case_id);";

/* Schema version 3: agreements and what meets them, and the audit
 * trail. An agreement's current occurrence lives in its row; each ended
 * occurrence (met, met late, missed, waived, closed) is a row of
 * occurrence. Levels: 0 reminders only, 1 kernteam, 2 gemeente, and on. */
static const char s_schema_v3[] =
    "CREATE TABLE agreement ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN"
    "  ('progress', 'assign', 'partner', 'request', 'custom')),"
    " owner_type TEXT NOT NULL CHECK (owner_type IN"
    "  ('regisseur', 'partner', 'kernteam', 'department')),"
    " owner TEXT NOT NULL,"                  /* regisseur id, partner id, */
    " case_id INTEGER REFERENCES cases(id)," /* 'kernteam', department */
    " description TEXT NOT NULL,"
    " policy TEXT NOT NULL,"
    " period_days INTEGER," /* NULL: one-off */
    " status TEXT NOT NULL DEFAULT 'open' CHECK (status IN"
    "  ('open', 'met', 'met_late', 'waived', 'closed')),"
    " occurrence INTEGER NOT NULL DEFAULT 1,"
    " due_at INTEGER NOT NULL,"          /* of the current occurrence */
    " step INTEGER NOT NULL DEFAULT 0,"  /* next step of the ladder */
    " level INTEGER NOT NULL DEFAULT 0," /* highest level reached */
    " repeats INTEGER NOT NULL DEFAULT 0,"
    " extensions INTEGER NOT NULL DEFAULT 0,"
    " next_at INTEGER," /* NULL: the scheduler is done */
    " created_at INTEGER NOT NULL,"
    " created_by TEXT NOT NULL,"
    " closed_at INTEGER,"
    " reason TEXT);" /* of a waive or close */
    "CREATE INDEX agreement_next ON agreement(next_at)"
    " WHERE next_at IS NOT NULL;"
    "CREATE INDEX agreement_case ON agreement(case_id);"
    "CREATE INDEX agreement_owner ON agreement(owner_type, owner);"
    "CREATE TABLE occurrence ("
    " agreement_id INTEGER NOT NULL REFERENCES agreement(id),"
    " n INTEGER NOT NULL,"
    " due_at INTEGER NOT NULL,"
    " outcome TEXT NOT NULL CHECK (outcome IN"
    "  ('met', 'met_late', 'missed', 'waived', 'closed')),"
    " at INTEGER NOT NULL,"
    " report_id INTEGER,"
    " level INTEGER NOT NULL DEFAULT 0,"
    " extensions INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (agreement_id, n)) WITHOUT ROWID;"
    "CREATE TABLE report ("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL," /* partner id, or user:NAME */
    " external_id TEXT,"
    " digest BLOB,"
    " agreement_id INTEGER NOT NULL REFERENCES agreement(id),"
    " occurrence INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN"
    "  ('delivered', 'not_delivered')),"
    " reason TEXT,"
    " period TEXT,"
    " count INTEGER,"
    " received INTEGER,"   /* referrals that came in period */
    " reconciled INTEGER," /* 1, 0, or NULL without count */
    " note TEXT,"
    " received_at INTEGER NOT NULL,"
    " outcome TEXT NOT NULL," /* met, met_late or open */
    " next_due INTEGER,"
    " UNIQUE (source, external_id));"
    "CREATE INDEX report_agreement ON report(agreement_id);"
    /* The audit trail: append-only, enforced by the database. */
    "CREATE TABLE event ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " case_id INTEGER,"
    " agreement_id INTEGER,"
    " ref TEXT,"
    " details TEXT);"
    "CREATE INDEX event_case ON event(case_id);"
    "CREATE INDEX event_agreement ON event(agreement_id);"
    "CREATE INDEX event_at ON event(at);"
    "CREATE TRIGGER event_no_update BEFORE UPDATE ON event"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;"
    "CREATE TRIGGER event_no_delete BEFORE DELETE ON event"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;"
    "ALTER TABLE cases ADD COLUMN assigned_at INTEGER;"
    "ALTER TABLE cases ADD COLUMN network_mapped_at INTEGER;"
    "ALTER TABLE cases ADD COLUMN network_mapped_by TEXT;"
    "ALTER TABLE cases ADD COLUMN network_engaged_at INTEGER;"
    "ALTER TABLE cases ADD COLUMN network_engaged_by TEXT;";

/* Schema version 4: the installation's id, random, made once when the
 * database is created or migrated to this version (SQLite's randomblob:
 * its generator is seeded from the system's), and each notification's
 * own random Message-ID part, made when it is queued and kept with the
 * row, so that every attempt of one notification has one Message-ID and
 * no other mail has it: not one of another installation, nor one queued
 * after a restore from a backup. Rows from before have none (NULL):
 * their Message-ID stays the one they were first tried with. */
static const char s_schema_v4[] =
    "CREATE TABLE installation ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " uid TEXT NOT NULL);"
    "INSERT INTO installation (id, uid)"
    " VALUES (1, lower(hex(randomblob(8))));"
    "ALTER TABLE notification ADD COLUMN message_id TEXT;";

/* Schema version 5: what an import (regiectl import) needs to find its
 * own work again. A case may carry the gemeente's own case number
 * (external_ref, unique among the cases that have one), so that a
 * second import of the same caseload finds the same case; an agreement
 * made by an import carries its import key (a SHA-256 of its case, kind,
 * owner and description, in hex; see cmdimport.c), so that importing
 * the same line again adds nothing. Additive only. */
static const char s_schema_v5[] =
    "ALTER TABLE cases ADD COLUMN external_ref TEXT;"
    "CREATE UNIQUE INDEX cases_external_ref ON cases(external_ref)"
    " WHERE external_ref IS NOT NULL;"
    "ALTER TABLE agreement ADD COLUMN import_key TEXT;"
    "CREATE UNIQUE INDEX agreement_import_key ON agreement(import_key)"
    " WHERE import_key IS NOT NULL;";

/* Schema version 6: a notification's HTML alternative (NULL: plain text
 * only) and the inline parts it shows (JSON, see outbox.h), stored when
 * it is queued, so that every attempt sends the same mail. */
static const char s_schema_v6[] =
    "ALTER TABLE notification ADD COLUMN html TEXT;"
    "ALTER TABLE notification ADD COLUMN parts TEXT;";

/* Schema version 7: the same rows, cheaper to write. The index of the
 * events' agreements holds only the events that have one (most are a
 * referral's or a case's, without); every query on it names an
 * agreement, which implies NOT NULL, so it still serves them.
 * (cases_regisseur keeps its NULLs: the digest's "open cases without a
 * regisseur" is a search of them.) And the CHECKs with a list of more
 * than two words (s_v7_checks) become the same test as a chain of
 * equalities: SQLite builds an ephemeral table for each IN list at every
 * INSERT, the costliest part of inserting an agreement. */
static const char s_schema_v7[] =
    "DROP INDEX event_agreement;"
    "CREATE INDEX event_agreement ON event(agreement_id)"
    " WHERE agreement_id IS NOT NULL;";

/* The CHECKs of version 3 (still so in versions 4 to 6, which only add
 * columns) with a list of more than two words, as the
 * table's SQL holds them, and the same test as equalities. */
static const struct {
    const char *table, *was, *now;
} s_v7_checks[] = {
    {"notification", "CHECK (status IN ('pending', 'sent', 'failed'))",
     "CHECK (status = 'pending' OR status = 'sent' OR status = 'failed')"},
    {"agreement",
     "CHECK (kind IN  ('progress', 'assign', 'partner', 'request', "
     "'custom'))",
     "CHECK (kind = 'progress' OR kind = 'assign' OR kind = 'partner' OR "
     "kind = 'request' OR kind = 'custom')"},
    {"agreement",
     "CHECK (owner_type IN  ('regisseur', 'partner', 'kernteam', "
     "'department'))",
     "CHECK (owner_type = 'regisseur' OR owner_type = 'partner' OR "
     "owner_type = 'kernteam' OR owner_type = 'department')"},
    {"agreement",
     "CHECK (status IN  ('open', 'met', 'met_late', 'waived', 'closed'))",
     "CHECK (status = 'open' OR status = 'met' OR status = 'met_late' OR "
     "status = 'waived' OR status = 'closed')"},
    {"occurrence",
     "CHECK (outcome IN  ('met', 'met_late', 'missed', 'waived', "
     "'closed'))",
     "CHECK (outcome = 'met' OR outcome = 'met_late' OR outcome = 'missed' "
     "OR outcome = 'waived' OR outcome = 'closed')"},
};

/* The database being migrated, for the steps and their log lines. */
typedef struct {
    sqlite3 *db;
    const char *path;
} s_db_t;

static int s_exec(s_db_t *d, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_err("store: migration failed path=%s error=\"%s\"", d->path,
                msg ? msg : sqlite3_errmsg(d->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The value of a pragma that returns one integer, or -1 after logging. */
static long long s_pragma_int(s_db_t *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        log_err("store: %s failed path=%s error=\"%s\"", sql, d->path,
                sqlite3_errmsg(d->db));
    sqlite3_finalize(st);
    return v;
}

/* Replaces s_v7_checks[i] in its table's SQL with st; true when exactly
 * that table's row changed. */
static bool s_v7_check(s_db_t *d, sqlite3_stmt *st, size_t i)
{
    bool ok = sqlite3_bind_text(st, 1, s_v7_checks[i].table, -1,
                                SQLITE_STATIC) == SQLITE_OK &&
              sqlite3_bind_text(st, 2, s_v7_checks[i].was, -1, SQLITE_STATIC) ==
                  SQLITE_OK &&
              sqlite3_bind_text(st, 3, s_v7_checks[i].now, -1, SQLITE_STATIC) ==
                  SQLITE_OK &&
              sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(d->db) == 1;
    if (!ok)
        log_err("store: migration 7 cannot find the CHECK of table %s "
                "path=%s error=\"%s\"",
                s_v7_checks[i].table, d->path, sqlite3_errmsg(d->db));
    sqlite3_reset(st);
    return ok;
}

/* Rewrites each CHECK of s_v7_checks in its table's SQL (the documented
 * way to change a constraint that does not touch what is stored: edit
 * sqlite_schema with writable_schema on and bump schema_version, so
 * that every connection reads the schema again). Every one must be
 * found; in the caller's transaction. Returns 0 or -1 after logging. */
static int s_v7_rewrite(s_db_t *d)
{
    static const char sql[] =
        "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3)"
        " WHERE type = 'table' AND name = ?1"
        " AND (instr(sql, ?2) > 0 OR instr(sql, ?3) > 0)";
    long long v = s_pragma_int(d, "PRAGMA schema_version");
    int rc = v < 0 ? -1 : s_exec(d, "PRAGMA writable_schema=ON");
    sqlite3_stmt *st = NULL;
    if (rc == 0 && sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_err("store: migration 7 failed path=%s error=\"%s\"", d->path,
                sqlite3_errmsg(d->db));
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < sizeof s_v7_checks / sizeof *s_v7_checks;
         i++)
        if (!s_v7_check(d, st, i))
            rc = -1;
    sqlite3_finalize(st);
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA schema_version=%lld", v + 1);
    if (rc == 0)
        rc = s_exec(d, bump);
    if (s_exec(d, "PRAGMA writable_schema=OFF") < 0)
        rc = -1;
    return rc;
}

/* Each version's SQL, then what it does in C (or NULL). */
static const struct {
    const char *sql;
    int (*then)(s_db_t *d);
} s_migrations[SCHEMA_VERSION] = {
    {s_schema_v1, NULL},         {s_schema_v2, NULL}, {s_schema_v3, NULL},
    {s_schema_v4, NULL},         {s_schema_v5, NULL}, {s_schema_v6, NULL},
    {s_schema_v7, s_v7_rewrite},
};

/* One version's step in its own transaction. */
static int s_step(s_db_t *d, int version)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", version + 1);
    if (s_exec(d, "BEGIN IMMEDIATE") < 0)
        return -1;
    if (s_exec(d, s_migrations[version].sql) < 0 ||
        (s_migrations[version].then && s_migrations[version].then(d) < 0) ||
        s_exec(d, sql) < 0 || s_exec(d, "COMMIT") < 0) {
        if (!sqlite3_get_autocommit(d->db))
            s_exec(d, "ROLLBACK");
        return -1;
    }
    log_info("store: migrated path=%s schema=%d", d->path, version + 1);
    return 0;
}

int schema_migrate(sqlite3 *db, const char *path)
{
    s_db_t d = {db, path};
    long long version = s_pragma_int(&d, "PRAGMA user_version");
    if (version < 0)
        return -1;
    if (version > SCHEMA_VERSION) {
        log_err("store: database schema %lld is newer than this regied "
                "(%d) path=%s",
                version, SCHEMA_VERSION, path);
        return -1;
    }
    for (int v = (int)version; v < SCHEMA_VERSION; v++)
        if (s_step(&d, v) < 0)
            return -1;
    return 0;
}

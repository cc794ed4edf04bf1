/*
 * cmdimport — the control commands of an import (regiectl import):
 * import.check and import.run, each on a batch of lines of the file that
 * regiectl parsed:
 *   {"lines": [{"line": 12, "case": {ref, bsn, regisseur, type},
 *               "agreement": {kind, owner_type, owner, description, due,
 *                             period_days, policy}}, ...],
 *    "notify": false}
 * Each line settles its case (impcase) and makes its agreement through
 * agreement.make, so an import makes the rows and events that the same
 * commands one by one make. Every line is tried, each in a savepoint
 * of its own (a refused line leaves nothing, so the lines after it are
 * judged as if it were not there), all in one savepoint of the batch:
 * when any line is refused, or for import.check, that one is rolled
 * back, so nothing is written, and the reply lists every refused line
 * with its message. A case the batch opened that no line gave a person
 * is refused too: no referral could ever find it.
 *
 * Idempotency: an agreement made by an import keeps its import key, the
 * SHA-256 of its case (as found: by number or by person), kind, owner (a
 * regisseur by id, however the line named them) and description: what
 * says which agreement it is. Its due time, period and policy are left
 * out, so the same caseload exported again later, with due times moved,
 * adds nothing (the agreement is "present"); a changed description is
 * another agreement. A case's number, persons, type and regisseur are
 * states, set only when they differ, so they need no key.
 *
 * Notifications: none, unless "notify" is true; then the emails of the
 * same commands one by one (the regisseur's "U bent planregisseur", the
 * owners' confirmations). Main thread only, in cmdrun's write
 * transaction.
 */
#include "cmdimport.h"

#include "agree/agreekey.h"
#include "cases/caseref.h"
#include "impcase.h"
#include "impline.h"
#include "ref.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The members of a line, checked as a command's arguments are. */
static const cmd_t s_line_args = {
    "line",
    NULL,
    false,
    {{"line", 'i', true}, {"case", 'o', false}, {"agreement", 'o', false}}};

static const char s_sql_begin[] = "SAVEPOINT import";
static const char s_sql_undo[] = "ROLLBACK TO import";
static const char s_sql_end[] = "RELEASE import";
static const char s_sql_line[] = "SAVEPOINT line";
static const char s_sql_line_undo[] = "ROLLBACK TO line";
static const char s_sql_line_end[] = "RELEASE line";

/* What a batch gives back: every refusal, and what each line did. */
typedef struct {
    json_t *errors; /* [{line, message}] */
    json_t *done;   /* [{line, case, agreement, agreement_status}] */
    json_t *opened; /* [[line, case id]] of the cases opened */
    bool store_error;
} s_reply_t;

/* The owner of an agreement spec as its key has it: a regisseur by id. */
static void s_key_owner(json_t *spec, char *out, size_t len)
{
    const char *type = json_string_value(json_object_get(spec, "owner_type"));
    const char *owner = json_string_value(json_object_get(spec, "owner"));
    int64_t id;
    if (type && owner && strcmp(type, "regisseur") == 0 &&
        ref_parse(owner, REF_REGISSEUR, &id))
        snprintf(out, len, "%lld", (long long)id);
    else
        snprintf(out, len, "%s", owner ? owner : "");
}

/* Adds text, with its NUL, to the key being made. */
static void s_key_put(crypto_hash_sha256_state *h, const char *text)
{
    text = text ? text : "";
    crypto_hash_sha256_update(h, (const unsigned char *)text, strlen(text) + 1);
}

/* The import key of agreement spec about case_id, in hex, into key. */
static void s_key(json_t *spec, int64_t case_id, char key[AGREEKEY_LEN + 1])
{
    const char *kind = json_string_value(json_object_get(spec, "kind"));
    char kase[24], owner[80];
    unsigned char sum[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state h;
    snprintf(kase, sizeof kase, "%lld", (long long)case_id);
    s_key_owner(spec, owner, sizeof owner);
    crypto_hash_sha256_init(&h);
    s_key_put(&h, "import/1");
    s_key_put(&h, kase);
    s_key_put(&h, kind ? kind : "custom");
    s_key_put(&h, json_string_value(json_object_get(spec, "owner_type")));
    s_key_put(&h, owner);
    s_key_put(&h, json_string_value(json_object_get(spec, "description")));
    crypto_hash_sha256_final(&h, sum);
    sodium_bin2hex(key, AGREEKEY_LEN + 1, sum, sizeof sum);
}

/* A regisseur owner named by email becomes their reference in args. */
static bool s_owner_email(impline_t *l, json_t *args)
{
    const char *type = json_string_value(json_object_get(args, "owner_type"));
    const char *owner = json_string_value(json_object_get(args, "owner"));
    int64_t id;
    if (!type || !owner || strcmp(type, "regisseur") || !strchr(owner, '@'))
        return true;
    if (!impline_regisseur(l, owner, &id))
        return false;
    json_object_set_new(args, "owner", ref_json(REF_REGISSEUR, id));
    return true;
}

/* Makes the agreement args asks for, unless an import made it already
 * (its key is known). Sets *id to the agreement's, *made whether this
 * line made it. */
static bool s_make(impline_t *l, json_t *args, int64_t *id, bool *made)
{
    store_t *s = l->b->env.store;
    char key[AGREEKEY_LEN + 1];
    s_key(args, l->case_id, key);
    int found = agreekey_find(s, key, id);
    if (found < 0) {
        problem_store(&l->pb);
        return false;
    }
    if (found) {
        l->b->n.present++;
        return true;
    }
    json_t *r = impline_run(l, l->b->make, args);
    if (!r)
        return false;
    bool ok = ref_parse(json_string_value(json_object_get(r, "agreement")), "A",
                        id) &&
              agreekey_set(s, *id, key) == 0;
    json_decref(r);
    if (!ok) {
        problem_store(&l->pb);
        return false;
    }
    l->b->n.made++;
    *made = true;
    return true;
}

/* Makes the agreement of line l as spec says (agreement.make's
 * arguments without the case: it is the line's), unless an import made
 * it already. */
static bool s_agreement(impline_t *l, json_t *spec, int64_t *id, bool *made)
{
    if (json_object_get(spec, "case"))
        return impline_refuse(l, PROBLEM_BAD_REQUEST,
                              "an agreement of a line is about the line's "
                              "case: it takes no case of its own");
    json_t *args = json_copy(spec);
    if (l->case_id)
        json_object_set_new(args, "case", json_integer(l->case_id));
    bool ok = s_owner_email(l, args) && s_make(l, args, id, made);
    json_decref(args);
    return ok;
}

/* What line l did, for the reply. */
static json_t *s_done(const impline_t *l, int64_t agreement, bool made)
{
    json_t *o = json_pack("{s:I}", "line", (json_int_t)l->line);
    json_object_set_new(
        o, "case", l->case_id ? ref_json(REF_CASE, l->case_id) : json_null());
    json_object_set_new(o, "agreement",
                        agreement ? ref_json("A", agreement) : json_null());
    json_object_set_new(o, "agreement_status",
                        !agreement ? json_null()
                        : made     ? json_string("made")
                                   : json_string("present"));
    return o;
}

static void s_error(s_reply_t *out, int64_t line, const char *message)
{
    json_array_append_new(
        out->errors,
        json_pack("{s:I, s:s}", "line", (json_int_t)line, "message", message));
}

/* Runs one of the statements above; returns 0 or -1 (logged). */
static int s_exec(store_t *s, const char *sql)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    return st && store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

/* Does what line l (row) asks: its case, then its agreement. Returns
 * whether it stands; *agreement and *made say what it made. */
static bool s_do(impline_t *l, json_t *row, int64_t *agreement, bool *made)
{
    json_t *kase = json_object_get(row, "case");
    json_t *agree = json_object_get(row, "agreement");
    l->line = json_integer_value(json_object_get(row, "line"));
    if (!cmd_args_ok(&s_line_args, row, &l->pb))
        return false;
    if (!kase && !agree)
        return impline_refuse(l, PROBLEM_BAD_REQUEST,
                              "nothing to import on this line");
    return (!kase || impcase_settle(l, kase)) &&
           (!agree || s_agreement(l, agree, agreement, made));
}

/* Runs one line (row) of batch b, noting what it did or why it is
 * refused in out. A refused line leaves nothing (its own savepoint), so
 * the lines after it are judged as if it were not there. */
static void s_line(impline_batch_t *b, json_t *row, s_reply_t *out)
{
    store_t *s = b->env.store;
    impline_t l = {.b = b};
    impline_counts_t counts = b->n;
    int64_t agreement = 0;
    bool made = false;
    if (s_exec(s, s_sql_line) < 0) {
        out->store_error = true;
        return;
    }
    bool ok = s_do(&l, row, &agreement, &made);
    if (l.pb.code == PROBLEM_UNAVAILABLE ||
        (!ok && s_exec(s, s_sql_line_undo) < 0) ||
        s_exec(s, s_sql_line_end) < 0) {
        out->store_error = true;
    } else if (!ok) { /* the savepoint undid what the line did */
        s_error(out, l.line, l.pb.message);
        memset(&b->last, 0, sizeof b->last);
        b->n = counts;
    } else {
        json_array_append_new(out->done, s_done(&l, agreement, made));
        if (l.opened)
            json_array_append_new(
                out->opened,
                json_pack("[I, I]", (json_int_t)l.line, (json_int_t)l.case_id));
    }
}

/* Refuses the lines that opened a case that no line gave a person. */
static void s_unfindable(impline_batch_t *b, s_reply_t *out)
{
    size_t i;
    json_t *o;
    json_array_foreach(out->opened, i, o)
    {
        int64_t id = json_integer_value(json_array_get(o, 1));
        int64_t n = caseref_persons(b->env.store, id);
        if (n < 0)
            out->store_error = true;
        if (n == 0)
            s_error(out, json_integer_value(json_array_get(o, 0)),
                    "the case of this line is new to regie, and no line "
                    "of the import gives a bsn of its household: no "
                    "referral could find it");
    }
}

/* Checks the shape of the request: 1 to CMDIMPORT_LINES_MAX objects. */
static json_t *s_lines(cmd_call_t *c)
{
    json_t *lines = json_object_get(c->args, "lines");
    size_t i, n = json_array_size(lines);
    json_t *row;
    bool objects = n > 0 && n <= CMDIMPORT_LINES_MAX;
    json_array_foreach(lines, i, row)
    {
        objects = objects && json_is_object(row);
    }
    if (!objects)
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "lines must be 1 to %d objects {line, case, agreement}",
                    CMDIMPORT_LINES_MAX);
    return objects ? lines : NULL;
}

/* The reply of a batch of n lines. */
static json_t *s_result(const impline_batch_t *b, s_reply_t *out, size_t n,
                        bool check, bool written)
{
    json_t *r = json_pack(
        "{s:b, s:b, s:I, s:O, s:{s:i, s:i, s:i, s:i, s:i}, s:{s:i, s:i}}",
        "check", check, "written", written, "lines", (json_int_t)n, "errors",
        out->errors, "cases", "opened", b->n.opened, "referenced",
        b->n.referenced, "joined", b->n.joined, "typed", b->n.typed, "assigned",
        b->n.assigned, "agreements", "made", b->n.made, "present",
        b->n.present);
    if (written)
        json_object_set(r, "done", out->done);
    return r;
}

/* Runs the batch inside a savepoint, which is rolled back for a check
 * or when a line is refused. Returns the reply, or NULL with pb set. */
static json_t *s_import(cmd_call_t *c, bool check)
{
    json_t *lines = s_lines(c), *row;
    store_t *s = c->env->store;
    size_t i;
    if (!lines)
        return NULL;
    impline_batch_t b;
    impline_batch_init(&b, c, cmd_bool(c, "notify"));
    s_reply_t out = {json_array(), json_array(), json_array(), false};
    if (s_exec(s, s_sql_begin) < 0)
        out.store_error = true;
    json_array_foreach(lines, i, row)
    {
        if (!out.store_error)
            s_line(&b, row, &out);
    }
    if (!out.store_error)
        s_unfindable(&b, &out);
    bool written = !check && json_array_size(out.errors) == 0;
    if (!out.store_error && !written && s_exec(s, s_sql_undo) < 0)
        out.store_error = true;
    json_t *r = NULL;
    if (out.store_error || s_exec(s, s_sql_end) < 0)
        problem_store(&c->out->pb);
    else
        r = s_result(&b, &out, json_array_size(lines), check, written);
    if (r && written)
        snprintf(c->out->change, sizeof c->out->change,
                 "imported lines=%zu cases_opened=%d cases_assigned=%d "
                 "agreements_made=%d agreements_present=%d",
                 json_array_size(lines), b.n.opened, b.n.assigned, b.n.made,
                 b.n.present);
    impline_batch_clear(&b);
    json_decref(out.errors);
    json_decref(out.done);
    json_decref(out.opened);
    return r;
}

static json_t *s_check(cmd_call_t *c)
{
    return s_import(c, true);
}

static json_t *s_run(cmd_call_t *c)
{
    return s_import(c, false);
}

/* Both write: a check runs the lines for real in the write transaction
 * and rolls them back, so that it judges exactly what a run would. */
const cmd_t cmdimport_commands[] = {
    {"import.check",
     s_check,
     true,
     {{"lines", 'a', true}, {"notify", 'b', false}}},
    {"import.run", s_run, true, {{"lines", 'a', true}, {"notify", 'b', false}}},
};
const size_t cmdimport_commands_n =
    sizeof cmdimport_commands / sizeof *cmdimport_commands;

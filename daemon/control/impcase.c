/*
 * impcase — the case of an import line (see impcase.h). A line names its
 * case by the gemeente's case number (ref), by a person (bsn), or both:
 *   - a case with that number: that case, which must be open; a person
 *     not in it joins it, unless they are in another open case;
 *   - else a person in one open case: that case, which gets the number
 *     unless it has another; in several open cases: refused;
 *   - else a new case, with the number, the type and the person.
 * Then the type is set (case.type) when it is another, and the regisseur
 * assigned (case.assign) when the case has none; a case held by another
 * regisseur is refused (reassigning is for regiectl case assign). A new
 * case left without regisseur gets the kernteam's assign agreement, as a
 * case opened by a referral does. Main thread only.
 */
#include "impcase.h"

#include "agree/agreehook.h"
#include "bsn.h"
#include "cases/caseref.h"
#include "cases/match.h"
#include "pseudo.h"
#include "ref.h"
#include "store/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define S_OPEN_SHOWN 3 /* open cases of a person named in a refusal */

/* The arguments of a line's case, checked as a command's are. */
static const cmd_t s_case_args = {"case",
                                  NULL,
                                  false,
                                  {{"ref", 's', false},
                                   {"bsn", 's', false},
                                   {"regisseur", 's', false},
                                   {"type", 's', false}}};

/* A person of the line, hashed. */
typedef struct {
    bool given;
    unsigned char p[PSEUDO_LEN];
} s_person_t;

static bool s_store_error(impline_t *l)
{
    problem_store(&l->pb);
    return false;
}

/* Records event action of the line's case with details (taken). */
static bool s_event(impline_t *l, const char *action, json_t *details)
{
    char actor[80];
    json_object_set_new(details, "import", json_true());
    int rc = audit_add(l->b->env.store, l->b->c->now,
                       impline_actor(l, actor, sizeof actor), action,
                       l->case_id, 0, NULL, details);
    json_decref(details);
    return rc == 0 || s_store_error(l);
}

/* Reads, checks and hashes the BSN of spec into who, wiping it in spec
 * whatever the outcome. */
static bool s_person(impline_t *l, json_t *spec, s_person_t *who)
{
    json_t *v = json_object_get(spec, "bsn");
    char *bsn = (char *)json_string_value(v);
    char why[64];
    bool ok = true;
    who->given = bsn != NULL;
    if (bsn && !bsn_check(bsn, why, sizeof why))
        ok = impline_refuse(l, PROBLEM_BAD_REQUEST, "the BSN %s", why);
    else if (bsn)
        pseudo_person(l->b->env.cfg->pseudo_key, bsn, who->p);
    if (bsn)
        sodium_memzero(bsn, json_string_length(v));
    return ok;
}

/* Adds the person to the line's case, with a case.joined event. */
static bool s_join(impline_t *l, const s_person_t *who)
{
    if (match_join(l->b->env.store, l->case_id, &who->p, 1, 0, l->b->c->now) <
        0)
        return s_store_error(l);
    l->b->n.joined++;
    return s_event(l, "case.joined", json_pack("{s:i}", "persons", 1));
}

/* The case with the line's number: open, and holding the person. */
static bool s_numbered(impline_t *l, const caseref_t *k, const s_person_t *who)
{
    store_t *s = l->b->env.store;
    if (!k->open)
        return impline_refuse(l, PROBLEM_CONFLICT,
                              "case %s (C-%06lld) is closed", k->ref,
                              (long long)k->id);
    l->case_id = k->id;
    if (!who->given)
        return true;
    int64_t other;
    int holds = caseref_holds(s, k->id, who->p);
    int n = holds == 0 ? caseref_of_person(s, who->p, &other, 1) : 0;
    if (holds < 0 || n < 0)
        return s_store_error(l);
    if (n > 0)
        return impline_refuse(l, PROBLEM_CONFLICT,
                              "the person of this line is in open case "
                              "C-%06lld, not in case %s (C-%06lld)",
                              (long long)other, k->ref, (long long)k->id);
    return holds == 1 || s_join(l, who);
}

/* The one open case of the person, id, which gets the line's number. */
static bool s_of_person(impline_t *l, int64_t id, const char *ref)
{
    caseref_t k;
    if (caseref_get(l->b->env.store, id, &k) != 1)
        return s_store_error(l);
    l->case_id = id;
    if (!ref)
        return true;
    if (k.ref[0])
        return impline_refuse(l, PROBLEM_CONFLICT,
                              "the person of this line is in case C-%06lld, "
                              "whose case number is %s, not %s",
                              (long long)id, k.ref, ref);
    if (caseref_set(l->b->env.store, id, ref) < 0)
        return s_store_error(l);
    l->b->n.referenced++;
    return s_event(l, "case.referenced",
                   json_pack("{s:s}", "external_ref", ref));
}

/* Opens the line's case, with its number, type and person. */
static bool s_open(impline_t *l, const char *ref, const char *type,
                   const s_person_t *who)
{
    if (caseref_open(l->b->env.store, ref, type, l->b->c->now, &l->case_id) <
            0 ||
        (who->given && match_join(l->b->env.store, l->case_id, &who->p, 1, 0,
                                  l->b->c->now) < 0))
        return s_store_error(l);
    l->opened = true;
    l->b->n.opened++;
    json_t *d = json_pack("{s:s, s:i}", "type", type ? type : "complex",
                          "persons", who->given ? 1 : 0);
    if (ref)
        json_object_set_new(d, "external_ref", json_string(ref));
    return s_event(l, "case.opened", d);
}

/* Refuses a person in several open cases (ids: the first of n). */
static bool s_several(impline_t *l, const int64_t *ids, int n)
{
    char list[S_OPEN_SHOWN * 16] = "";
    for (int i = 0; i < n && i < S_OPEN_SHOWN; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%sC-%06lld",
                 i ? ", " : "", (long long)ids[i]);
    return impline_refuse(l, PROBLEM_CONFLICT,
                          "the person of this line is in %d open cases "
                          "(%s%s): name the case by its case_ref",
                          n, list, n > S_OPEN_SHOWN ? ", ..." : "");
}

/* Finds or opens the line's case (see the rules at the top). */
static bool s_find(impline_t *l, const char *ref, const char *type,
                   const s_person_t *who)
{
    store_t *s = l->b->env.store;
    caseref_t k;
    int found = ref ? caseref_find(s, ref, &k) : 0;
    if (found < 0)
        return s_store_error(l);
    if (found)
        return s_numbered(l, &k, who);
    int64_t ids[S_OPEN_SHOWN];
    int n = who->given ? caseref_of_person(s, who->p, ids, S_OPEN_SHOWN) : 0;
    if (n < 0)
        return s_store_error(l);
    if (n > 1)
        return s_several(l, ids, n);
    return n == 1 ? s_of_person(l, ids[0], ref) : s_open(l, ref, type, who);
}

/* Sets the type of a case the line did not open, when it is another. */
static bool s_type(impline_t *l, const char *type)
{
    caseref_t k;
    if (!type || l->opened)
        return true;
    if (caseref_get(l->b->env.store, l->case_id, &k) != 1)
        return s_store_error(l);
    if (strcmp(k.type, type) == 0)
        return true;
    json_t *args =
        json_pack("{s:I, s:s}", "case", (json_int_t)l->case_id, "type", type);
    json_t *r = impline_run(l, l->b->type, args);
    json_decref(args);
    json_decref(r);
    l->b->n.typed += r != NULL;
    return r != NULL;
}

/* The regisseur named by text (a reference, or the email of an active
 * regisseur) into *id. */
static bool s_regisseur_id(impline_t *l, const char *text, int64_t *id)
{
    if (!strchr(text, '@')) {
        if (ref_parse(text, REF_REGISSEUR, id))
            return true;
        return impline_refuse(l, PROBLEM_BAD_REQUEST,
                              "regisseur must be a reference like "
                              "RG-000003, or the email of an active "
                              "regisseur");
    }
    return impline_regisseur(l, text, id);
}

/* Assigns the regisseur text names to the line's case, unless it holds
 * it already; a case left without one that the line opened gets the
 * kernteam's assign agreement. */
static bool s_regisseur(impline_t *l, const char *text)
{
    impline_batch_t *b = l->b;
    int64_t rid;
    caseref_t k;
    if (!text)
        return !l->opened ||
               agreehook_new_case(b->env.store, b->env.cfg, b->env.notify,
                                  l->case_id, b->c->now) == 0 ||
               s_store_error(l);
    if (!s_regisseur_id(l, text, &rid))
        return false;
    if (caseref_get(b->env.store, l->case_id, &k) != 1)
        return s_store_error(l);
    if (k.regisseur_id == rid)
        return true;
    if (k.regisseur_id)
        return impline_refuse(l, PROBLEM_CONFLICT,
                              "case C-%06lld is held by RG-%06lld, not by "
                              "the regisseur of this line (reassign it with "
                              "regiectl case assign)",
                              (long long)k.id, (long long)k.regisseur_id);
    json_t *args = json_pack("{s:I, s:I}", "case", (json_int_t)l->case_id,
                             "regisseur", (json_int_t)rid);
    json_t *r = impline_run(l, b->assign, args);
    json_decref(args);
    json_decref(r);
    b->n.assigned += r != NULL;
    return r != NULL;
}

/* Checks the case number and the type of spec. */
static bool s_fields(impline_t *l, const char *ref, const char *type,
                     bool person)
{
    if (!ref && !person)
        return impline_refuse(l, PROBLEM_BAD_REQUEST,
                              "the case needs a case_ref or a bsn");
    if (ref && !caseref_valid(ref))
        return impline_refuse(l, PROBLEM_BAD_REQUEST,
                              "case_ref must be 1 to %d characters of text "
                              "(and not a BSN: that goes in the bsn column)",
                              CASEREF_MAX);
    if (type && strcmp(type, "complex") && strcmp(type, "intensive"))
        return impline_refuse(l, PROBLEM_BAD_REQUEST,
                              "type must be complex or intensive");
    return true;
}

/* Copies text (NULL: "") into buf; false when it does not fit. */
static bool s_keep(char *buf, size_t len, const char *text)
{
    return (size_t)snprintf(buf, len, "%s", text ? text : "") < len;
}

/* Whether text (NULL: not given) is as the last line had it. */
static bool s_as_last(const char *kept, const char *text)
{
    return !text || strcmp(kept, text) == 0;
}

/* Whether the line asks nothing of its case that the last line (whose
 * case it names by the same number) did not: then it is that case, and
 * there is nothing to do. The lines of a case come together. */
static bool s_same_case(impline_t *l, const char *ref, const char *reg,
                        const char *type, const s_person_t *who)
{
    const impline_last_t *k = &l->b->last;
    if (!k->set || !ref || strcmp(k->ref, ref) != 0 ||
        !s_as_last(k->regisseur, reg) || !s_as_last(k->type, type) ||
        (who->given &&
         (!k->person || sodium_memcmp(k->p, who->p, PSEUDO_LEN) != 0)))
        return false;
    l->case_id = k->case_id;
    return true;
}

/* Remembers the case the line settled, for the lines after it. */
static void s_remember(impline_t *l, const char *ref, const char *reg,
                       const char *type, const s_person_t *who)
{
    impline_last_t *k = &l->b->last;
    k->set = s_keep(k->ref, sizeof k->ref, ref) &&
             s_keep(k->regisseur, sizeof k->regisseur, reg) &&
             s_keep(k->type, sizeof k->type, type);
    k->case_id = l->case_id;
    k->person = who->given;
    memcpy(k->p, who->p, PSEUDO_LEN);
}

bool impcase_settle(impline_t *l, json_t *spec)
{
    s_person_t who = {0};
    bool ok = s_person(l, spec, &who);
    if (ok && !cmd_args_ok(&s_case_args, spec, &l->pb))
        ok = false;
    const char *ref = json_string_value(json_object_get(spec, "ref"));
    const char *type = json_string_value(json_object_get(spec, "type"));
    const char *reg = json_string_value(json_object_get(spec, "regisseur"));
    bool same = ok && s_same_case(l, ref, reg, type, &who);
    ok = ok && (same || (s_fields(l, ref, type, who.given) &&
                         s_find(l, ref, type, &who) && s_type(l, type) &&
                         s_regisseur(l, reg)));
    if (ok && !same)
        s_remember(l, ref, reg, type, &who);
    sodium_memzero(who.p, sizeof who.p);
    return ok;
}

/*
 * rrpreferral — validation of REFERRAL bodies (see rrpreferral.h). Pure
 * functions; the messages are written for a partner's IT staff and say
 * what to fix.
 */
#include "rrpreferral.h"

#include "bsn.h"
#include "rrpjson.h"
#include "xmem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_kinds[] = {"melding", "verwijzing", "aanmelding",
                                      "signaal", NULL};
static const char *const s_urgencies[] = {"normaal", "urgent", "crisis", NULL};
static const char *const s_fields[] = {
    "external_id", "kind",    "category",    "urgency", "subject", "household",
    "postcode",    "contact", "occurred_at", "note",    NULL};

/* Checks the value of a BSN field (already known to be a string). */
static int s_bsn(const char *bsn, const char *label, const char *ptr,
                 rrp_problem_t *pb)
{
    char why[64];
    if (bsn_check(bsn, why, sizeof why))
        return 0;
    rrp_problem_set(pb, RRP_INVALID_BSN, ptr, "%s %s", label, why);
    return -1;
}

/* Adds bsn to the referral's persons unless it is there already. */
static void s_add_person(rrpreferral_t *r, const char *bsn)
{
    for (size_t i = 0; i < r->persons; i++)
        if (strcmp(r->bsns[i], bsn) == 0)
            return;
    r->bsns[r->persons++] = bsn;
}

static int s_subject(const json_t *root, const rrpreferral_rules_t *rules,
                     rrpreferral_t *r, rrp_problem_t *pb)
{
    static const char *const allowed[] = {"bsn", "birth_date", NULL};
    json_t *subj = json_object_get(root, "subject");
    if (!subj || !json_is_object(subj)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/subject",
                        subj ? "subject must be an object {\"bsn\": ...}"
                             : "subject is required");
        return -1;
    }
    const char *bsn;
    if (rrpjson_no_unknown(subj, "/subject", allowed, pb) < 0 ||
        rrpjson_string(subj, "bsn", "subject.bsn", "/subject/bsn", true, 0, 64,
                       &bsn, pb) < 0 ||
        s_bsn(bsn, "subject.bsn", "/subject/bsn", pb) < 0 ||
        rrpjson_string(subj, "birth_date", "subject.birth_date",
                       "/subject/birth_date", false, 0, 64, &r->birth_date,
                       pb) < 0)
        return -1;
    if (r->birth_date && !rrpjson_date_valid(r->birth_date)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/subject/birth_date",
                        "subject.birth_date must be a date YYYY-MM-DD that "
                        "exists");
        return -1;
    }
    if (r->birth_date && rules->today &&
        strcmp(r->birth_date, rules->today) > 0) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/subject/birth_date",
                        "subject.birth_date is in the future");
        return -1;
    }
    s_add_person(r, bsn);
    return 0;
}

static int s_member(const json_t *m, size_t i, rrpreferral_t *r,
                    rrp_problem_t *pb)
{
    static const char *const allowed[] = {"bsn", NULL};
    char base[48], ptr[64], label[48];
    snprintf(base, sizeof base, "/household/%zu", i);
    snprintf(ptr, sizeof ptr, "%s/bsn", base);
    snprintf(label, sizeof label, "household[%zu].bsn", i);
    if (!json_is_object(m)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, base,
                        "household[%zu] must be an object {\"bsn\": ...}", i);
        return -1;
    }
    const char *bsn;
    if (rrpjson_no_unknown(m, base, allowed, pb) < 0 ||
        rrpjson_string(m, "bsn", label, ptr, true, 0, 64, &bsn, pb) < 0 ||
        s_bsn(bsn, label, ptr, pb) < 0)
        return -1;
    s_add_person(r, bsn);
    return 0;
}

static int s_household(const json_t *root, const rrpreferral_rules_t *rules,
                       rrpreferral_t *r, rrp_problem_t *pb)
{
    json_t *h = json_object_get(root, "household");
    if (!h)
        return 0;
    if (!json_is_array(h)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/household",
                        "household must be an array of {\"bsn\": ...}");
        return -1;
    }
    if (json_array_size(h) > rules->household_max) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/household",
                        "household has %zu members; at most %zu",
                        json_array_size(h), rules->household_max);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(h); i++)
        if (s_member(json_array_get(h, i), i, r, pb) < 0)
            return -1;
    return 0;
}

/* Normalises a Dutch postcode "1234AB" / "1234 ab" into out[7]. */
static bool s_postcode(const char *s, char out[7])
{
    size_t n = strlen(s);
    if (n != 6 && !(n == 7 && s[4] == ' '))
        return false;
    const char *letters = s + n - 2;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    if (s[0] == '0' || !isalpha((unsigned char)letters[0]) ||
        !isalpha((unsigned char)letters[1]))
        return false;
    memcpy(out, s, 4);
    out[4] = (char)toupper((unsigned char)letters[0]);
    out[5] = (char)toupper((unsigned char)letters[1]);
    out[6] = '\0';
    return true;
}

static bool s_email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strlen(s) > 254)
        return false;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',')
            return false;
    return true;
}

static bool s_phone_ok(const char *s)
{
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr("+ -()", *p))
            return false;
    }
    return digits >= 3 && digits <= 20;
}

/* How the contact can be reached: an email, a phone, or both. */
static int s_reach(const rrpreferral_t *r, rrp_problem_t *pb)
{
    if (!r->contact_email && !r->contact_phone) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/contact",
                        "contact needs an email or a phone (or both)");
        return -1;
    }
    if (r->contact_email && !s_email_ok(r->contact_email)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/contact/email",
                        "contact.email is not an email address");
        return -1;
    }
    if (r->contact_phone && !s_phone_ok(r->contact_phone)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/contact/phone",
                        "contact.phone must be a phone number: 3 to 20 "
                        "digits, with spaces and + - ( ) allowed");
        return -1;
    }
    return 0;
}

/* contact: the partner's professional, a name and how to reach them. */
static int s_contact(const json_t *root, rrpreferral_t *r, rrp_problem_t *pb)
{
    static const char *const allowed[] = {"name", "email", "phone", NULL};
    json_t *c = json_object_get(root, "contact");
    if (!c || !json_is_object(c)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/contact",
                        c ? "contact must be an object {\"name\": ...}"
                          : "contact is required: the partner's "
                            "professional (name, and email and/or phone)");
        return -1;
    }
    if (rrpjson_no_unknown(c, "/contact", allowed, pb) < 0 ||
        rrpjson_string(c, "name", "contact.name", "/contact/name", true, 1, 200,
                       &r->contact_name, pb) < 0 ||
        rrpjson_string(c, "email", "contact.email", "/contact/email", false, 1,
                       254, &r->contact_email, pb) < 0 ||
        rrpjson_string(c, "phone", "contact.phone", "/contact/phone", false, 1,
                       40, &r->contact_phone, pb) < 0)
        return -1;
    if (rrpjson_has_control(r->contact_name)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/contact/name",
                        "contact.name must not hold control characters");
        return -1;
    }
    return s_reach(r, pb);
}

/* external_id, kind, category, urgency. */
static int s_head(const json_t *root, const rrpreferral_rules_t *rules,
                  rrpreferral_t *r, rrp_problem_t *pb)
{
    if (rrpjson_string(root, "external_id", "external_id", "/external_id", true,
                       1, RRP_ID_MAX, &r->external_id, pb) < 0)
        return -1;
    if (rrpjson_has_control(r->external_id)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/external_id",
                        "external_id must hold printable characters only");
        return -1;
    }
    if (rrpjson_choice(root, "kind", s_kinds, true, &r->kind, pb) < 0 ||
        rrpjson_string(root, "category", "category", "/category", true, 0, 64,
                       &r->category, pb) < 0 ||
        rrpjson_choice(root, "urgency", s_urgencies, false, &r->urgency, pb) <
            0)
        return -1;
    bool known = false;
    for (size_t i = 0; i < rules->categories_n && !known; i++)
        known = strcmp(r->category, rules->categories[i]) == 0;
    if (!known) {
        char shown[40];
        rrp_printable(r->category, strlen(r->category), shown, sizeof shown);
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/category",
                        "category '%s' is not one of the configured "
                        "categories",
                        shown);
        return -1;
    }
    if (!r->urgency)
        r->urgency = "normaal";
    return 0;
}

/* postcode, occurred_at, note. */
static int s_tail(const json_t *root, rrpreferral_t *r, rrp_problem_t *pb)
{
    const char *pc;
    if (rrpjson_string(root, "postcode", "postcode", "/postcode", false, 0, 16,
                       &pc, pb) < 0)
        return -1;
    if (pc && !s_postcode(pc, r->postcode)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/postcode",
                        "postcode must be a Dutch postcode like \"6708PB\" "
                        "or \"6708 PB\"");
        return -1;
    }
    if (rrpjson_string(root, "occurred_at", "occurred_at", "/occurred_at",
                       false, 0, 64, &r->occurred_at, pb) < 0)
        return -1;
    if (r->occurred_at && !rrpjson_timestamp_valid(r->occurred_at)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/occurred_at",
                        "occurred_at must be an RFC 3339 timestamp like "
                        "\"2026-11-20T10:15:00+01:00\"");
        return -1;
    }
    return rrpjson_string(root, "note", "note", "/note", false, 0, RRP_NOTE_MAX,
                          &r->note, pb);
}

int rrpreferral_parse(const char *body, size_t len,
                      const rrpreferral_rules_t *rules, rrpreferral_t *out,
                      rrp_problem_t *pb)
{
    memset(out, 0, sizeof *out);
    out->root = rrpjson_parse_object(body, len, pb);
    if (!out->root)
        return -1;
    json_t *h = json_object_get(out->root, "household");
    size_t cap = 1 + (json_is_array(h) ? json_array_size(h) : 0);
    out->bsns = xcalloc(cap, sizeof *out->bsns);
    if (rrpjson_no_unknown(out->root, "", s_fields, pb) < 0 ||
        s_head(out->root, rules, out, pb) < 0 ||
        s_subject(out->root, rules, out, pb) < 0 ||
        s_household(out->root, rules, out, pb) < 0 ||
        s_tail(out->root, out, pb) < 0 || s_contact(out->root, out, pb) < 0) {
        rrpreferral_clear(out);
        return -1;
    }
    return 0;
}

void rrpreferral_clear(rrpreferral_t *r)
{
    json_decref(r->root);
    free(r->bsns);
    memset(r, 0, sizeof *r);
}

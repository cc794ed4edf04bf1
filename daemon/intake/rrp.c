/*
 * rrp — RRP/1 frames, REFERRAL validation, canonical JSON and reply
 * bodies. Pure functions; the messages are written for a partner's IT
 * staff and say what to fix.
 */
#include "rrp.h"

#include "bsn.h"
#include "xmem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_error_names[] = {
    [RRP_OK] = "ok",
    [RRP_BAD_FRAME] = "bad_frame",
    [RRP_UNKNOWN_COMMAND] = "unknown_command",
    [RRP_TOO_LARGE] = "too_large",
    [RRP_BAD_JSON] = "bad_json",
    [RRP_INVALID_FIELD] = "invalid_field",
    [RRP_INVALID_BSN] = "invalid_bsn",
    [RRP_CONFLICT] = "conflict",
    [RRP_FORBIDDEN] = "forbidden",
    [RRP_UNKNOWN_AGREEMENT] = "unknown_agreement",
    [RRP_UNAVAILABLE] = "unavailable",
};

static const char *const s_kinds[] = {"melding", "verwijzing", "aanmelding",
                                      "signaal", NULL};
static const char *const s_urgencies[] = {"normaal", "urgent", "crisis",
                                          NULL};
static const char *const s_fields[] = {
    "external_id", "kind",    "category", "urgency",     "subject",
    "household",   "postcode", "contact", "occurred_at", "note", NULL};

const char *rrp_error_name(rrp_error_t e)
{
    return s_error_names[e];
}

bool rrp_error_retry(rrp_error_t e)
{
    return e == RRP_UNAVAILABLE;
}

void rrp_problem_set(rrp_problem_t *pb, rrp_error_t e, const char *field,
                     const char *fmt, ...)
{
    pb->error = e;
    snprintf(pb->field, sizeof pb->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pb->message, sizeof pb->message, fmt, ap);
    va_end(ap);
}

/* Copies at most 32 bytes of data into out, printable ASCII only. */
static void s_printable(const void *data, size_t len, char *out,
                        size_t out_len)
{
    const unsigned char *p = data;
    size_t k = 0;
    for (size_t i = 0; i < len && i < 32 && k + 1 < out_len; i++)
        out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[k] = '\0';
}

int rrp_request_parse(const rrp_frame_t *f, size_t n, size_t body_max,
                      rrp_request_t *req, rrp_problem_t *pb)
{
    memset(req, 0, sizeof *req);
    if (n >= 3 && f[2].len >= 1 && f[2].len <= RRP_CORR_MAX) {
        req->corr = f[2].data;
        req->corr_len = f[2].len;
    }
    if (n != 4) {
        rrp_problem_set(pb, RRP_BAD_FRAME, NULL,
                        "a request has 4 frames after the envelope "
                        "(RRP1, command, correlation id, body), not %zu", n);
        return -1;
    }
    if (f[0].len != 4 || memcmp(f[0].data, RRP_SIGNATURE, 4) != 0) {
        rrp_problem_set(pb, RRP_BAD_FRAME, NULL,
                        "the first frame must be the signature RRP1");
        return -1;
    }
    if (f[2].len == 0 || f[2].len > RRP_CORR_MAX) {
        rrp_problem_set(pb, RRP_BAD_FRAME, NULL,
                        "the correlation id (frame 3) must be 1 to %d "
                        "bytes, not %zu", RRP_CORR_MAX, f[2].len);
        return -1;
    }
    static const struct {
        const char *name;
        rrp_command_t cmd;
    } cmds[] = {{"REFERRAL", RRP_CMD_REFERRAL},
                {"REPORT", RRP_CMD_REPORT},
                {"PING", RRP_CMD_PING}};
    bool known = false;
    for (size_t i = 0; i < 3 && !known; i++)
        if (f[1].len == strlen(cmds[i].name) &&
            memcmp(f[1].data, cmds[i].name, f[1].len) == 0) {
            req->command = cmds[i].cmd;
            known = true;
        }
    if (!known) {
        char shown[40];
        s_printable(f[1].data, f[1].len, shown, sizeof shown);
        rrp_problem_set(pb, RRP_UNKNOWN_COMMAND, NULL,
                        "unknown command '%s'; use REFERRAL, REPORT or PING "
                        "(upper case)", shown);
        return -1;
    }
    if (f[3].len > body_max) {
        rrp_problem_set(pb, RRP_TOO_LARGE, NULL,
                        "the body is %zu bytes; at most %zu are accepted",
                        f[3].len, body_max);
        return -1;
    }
    req->body = f[3].data;
    req->body_len = f[3].len;
    return 0;
}

size_t rrp_utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* Whether s holds a control character (C0, DEL or C1). */
static bool s_has_control(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return true;
    }
    return false;
}

/* Reads exactly n digits from s into *v. */
static bool s_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

static bool s_ymd(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!s_digits(s, 4, &y) || s[4] != '-' || !s_digits(s + 5, 2, &m) ||
        s[7] != '-' || !s_digits(s + 8, 2, &d))
        return false;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

bool rrp_date_valid(const char *s)
{
    return strlen(s) == 10 && s_ymd(s);
}

bool rrp_timestamp_valid(const char *s)
{
    int h, mi, sec, oh, om;
    if (strlen(s) < 20 || !s_ymd(s) || (s[10] != 'T' && s[10] != 't') ||
        !s_digits(s + 11, 2, &h) || s[13] != ':' ||
        !s_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !s_digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        const char *q = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == q)
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    if ((*p != '+' && *p != '-') || strlen(p) != 6 ||
        !s_digits(p + 1, 2, &oh) || p[3] != ':' || !s_digits(p + 4, 2, &om))
        return false;
    return oh <= 23 && om <= 59;
}

json_t *rrp_parse_object(const char *body, size_t len, rrp_problem_t *pb)
{
    json_error_t err;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        rrp_problem_set(pb, RRP_BAD_JSON, NULL,
                        "the body is not valid JSON: %s (line %d, column %d)",
                        err.text, err.line, err.column);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        rrp_problem_set(pb, RRP_BAD_JSON, NULL,
                        "the body must be one JSON object { ... }");
        return NULL;
    }
    return root;
}

char *rrp_canonical(const json_t *value)
{
    char *s = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS |
                                    JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    if (!s)
        s = xstrdup("");
    return s;
}

char *rrp_nack_body(const rrp_problem_t *pb)
{
    json_t *o = json_pack("{s:s, s:s, s:b}", "error",
                          rrp_error_name(pb->error), "message", pb->message,
                          "retry", rrp_error_retry(pb->error));
    if (pb->field[0])
        json_object_set_new(o, "field", json_string(pb->field));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s ? s : xstrdup("{}");
}

/* ---- REFERRAL validation ------------------------------------------ */

/* Writes the JSON Pointer of member name of the object at base. */
static void s_pointer(char *out, size_t len, const char *base,
                      const char *name)
{
    size_t k = (size_t)snprintf(out, len, "%s/", base);
    for (const char *p = name; *p && k + 3 < len; p++) {
        if (*p == '~' || *p == '/') {
            out[k++] = '~';
            out[k++] = *p == '~' ? '0' : '1';
        } else {
            out[k++] = *p;
        }
    }
    out[k < len ? k : len - 1] = '\0';
}

/* Refuses members of obj (at pointer base) not listed in allowed. */
static int s_no_unknown(const json_t *obj, const char *base,
                        const char *const *allowed, rrp_problem_t *pb)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok && strlen(key) > 64) { /* its pointer would not fit */
            rrp_problem_set(pb, RRP_INVALID_FIELD, base,
                            "unknown field with a name of %zu characters "
                            "in %s", strlen(key), base[0] ? base : "the body");
            return -1;
        }
        if (!ok) {
            char ptr[160], shown[40];
            s_pointer(ptr, sizeof ptr, base, key);
            s_printable(key, strlen(key), shown, sizeof shown);
            rrp_problem_set(pb, RRP_INVALID_FIELD, ptr,
                            "unknown field '%s%s%s'", base[0] ? base + 1 : "",
                            base[0] ? "." : "", shown);
            return -1;
        }
    }
    return 0;
}

/* Reads string member name of obj; label names it for people ("contact.
 * name"), ptr is its JSON Pointer. Length in code points within [min,
 * max]. Missing: NULL, an error only when required. */
static int s_string(const json_t *obj, const char *name, const char *label,
                    const char *ptr, bool required, size_t min, size_t max,
                    const char **out, rrp_problem_t *pb)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v) {
        if (!required)
            return 0;
        rrp_problem_set(pb, RRP_INVALID_FIELD, ptr, "%s is required", label);
        return -1;
    }
    if (!json_is_string(v)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, ptr, "%s must be a string",
                        label);
        return -1;
    }
    const char *s = json_string_value(v);
    size_t n = rrp_utf8_length(s);
    if (n < min || n > max) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, ptr,
                        "%s must be %zu to %zu characters long, not %zu",
                        label, min, max, n);
        return -1;
    }
    *out = s;
    return 0;
}

/* Reads an optional or required string that must be one of choices. */
static int s_choice(const json_t *obj, const char *name,
                    const char *const *choices, bool required,
                    const char **out, rrp_problem_t *pb)
{
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/%s", name);
    if (s_string(obj, name, name, ptr, required, 0, 1000, out, pb) < 0)
        return -1;
    if (!*out)
        return 0;
    char list[256] = "";
    for (size_t i = 0; choices[i]; i++) {
        if (strcmp(*out, choices[i]) == 0)
            return 0;
        size_t k = strlen(list);
        snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
                 choices[i]);
    }
    char shown[40];
    s_printable(*out, strlen(*out), shown, sizeof shown);
    rrp_problem_set(pb, RRP_INVALID_FIELD, ptr, "%s '%s' is not one of: %s",
                    name, shown, list);
    return -1;
}

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
static void s_add_person(rrp_referral_t *r, const char *bsn)
{
    for (size_t i = 0; i < r->persons; i++)
        if (strcmp(r->bsns[i], bsn) == 0)
            return;
    r->bsns[r->persons++] = bsn;
}

static int s_subject(const json_t *root, const rrp_rules_t *rules,
                     rrp_referral_t *r, rrp_problem_t *pb)
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
    if (s_no_unknown(subj, "/subject", allowed, pb) < 0 ||
        s_string(subj, "bsn", "subject.bsn", "/subject/bsn", true, 0, 64,
                 &bsn, pb) < 0 ||
        s_bsn(bsn, "subject.bsn", "/subject/bsn", pb) < 0 ||
        s_string(subj, "birth_date", "subject.birth_date",
                 "/subject/birth_date", false, 0, 64, &r->birth_date,
                 pb) < 0)
        return -1;
    if (r->birth_date && !rrp_date_valid(r->birth_date)) {
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

static int s_member(const json_t *m, size_t i, rrp_referral_t *r,
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
    if (s_no_unknown(m, base, allowed, pb) < 0 ||
        s_string(m, "bsn", label, ptr, true, 0, 64, &bsn, pb) < 0 ||
        s_bsn(bsn, label, ptr, pb) < 0)
        return -1;
    s_add_person(r, bsn);
    return 0;
}

static int s_household(const json_t *root, const rrp_rules_t *rules,
                       rrp_referral_t *r, rrp_problem_t *pb)
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

static int s_contact(const json_t *root, rrp_referral_t *r,
                     rrp_problem_t *pb)
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
    if (s_no_unknown(c, "/contact", allowed, pb) < 0 ||
        s_string(c, "name", "contact.name", "/contact/name", true, 1, 200,
                 &r->contact_name, pb) < 0 ||
        s_string(c, "email", "contact.email", "/contact/email", false, 1,
                 254, &r->contact_email, pb) < 0 ||
        s_string(c, "phone", "contact.phone", "/contact/phone", false, 1, 40,
                 &r->contact_phone, pb) < 0)
        return -1;
    if (s_has_control(r->contact_name)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/contact/name",
                        "contact.name must not hold control characters");
        return -1;
    }
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

/* external_id, kind, category, urgency. */
static int s_head(const json_t *root, const rrp_rules_t *rules,
                  rrp_referral_t *r, rrp_problem_t *pb)
{
    if (s_string(root, "external_id", "external_id", "/external_id", true, 1,
                 RRP_ID_MAX, &r->external_id, pb) < 0)
        return -1;
    if (s_has_control(r->external_id)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/external_id",
                        "external_id must hold printable characters only");
        return -1;
    }
    if (s_choice(root, "kind", s_kinds, true, &r->kind, pb) < 0 ||
        s_string(root, "category", "category", "/category", true, 0, 64,
                 &r->category, pb) < 0 ||
        s_choice(root, "urgency", s_urgencies, false, &r->urgency, pb) < 0)
        return -1;
    bool known = false;
    for (size_t i = 0; i < rules->categories_n && !known; i++)
        known = strcmp(r->category, rules->categories[i]) == 0;
    if (!known) {
        char shown[40];
        s_printable(r->category, strlen(r->category), shown, sizeof shown);
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/category",
                        "category '%s' is not one of the configured "
                        "categories", shown);
        return -1;
    }
    if (!r->urgency)
        r->urgency = "normaal";
    return 0;
}

/* postcode, occurred_at, note. */
static int s_tail(const json_t *root, rrp_referral_t *r, rrp_problem_t *pb)
{
    const char *pc;
    if (s_string(root, "postcode", "postcode", "/postcode", false, 0, 16,
                 &pc, pb) < 0)
        return -1;
    if (pc && !s_postcode(pc, r->postcode)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/postcode",
                        "postcode must be a Dutch postcode like \"6708PB\" "
                        "or \"6708 PB\"");
        return -1;
    }
    if (s_string(root, "occurred_at", "occurred_at", "/occurred_at", false, 0,
                 64, &r->occurred_at, pb) < 0)
        return -1;
    if (r->occurred_at && !rrp_timestamp_valid(r->occurred_at)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/occurred_at",
                        "occurred_at must be an RFC 3339 timestamp like "
                        "\"2026-11-20T10:15:00+01:00\"");
        return -1;
    }
    return s_string(root, "note", "note", "/note", false, 0, RRP_NOTE_MAX,
                    &r->note, pb);
}

int rrp_referral_parse(const char *body, size_t len, const rrp_rules_t *rules,
                       rrp_referral_t *out, rrp_problem_t *pb)
{
    memset(out, 0, sizeof *out);
    out->root = rrp_parse_object(body, len, pb);
    if (!out->root)
        return -1;
    json_t *h = json_object_get(out->root, "household");
    size_t cap = 1 + (json_is_array(h) ? json_array_size(h) : 0);
    out->bsns = xcalloc(cap, sizeof *out->bsns);
    if (s_no_unknown(out->root, "", s_fields, pb) < 0 ||
        s_head(out->root, rules, out, pb) < 0 ||
        s_subject(out->root, rules, out, pb) < 0 ||
        s_household(out->root, rules, out, pb) < 0 ||
        s_tail(out->root, out, pb) < 0 || s_contact(out->root, out, pb) < 0) {
        rrp_referral_clear(out);
        return -1;
    }
    return 0;
}

void rrp_referral_clear(rrp_referral_t *r)
{
    json_decref(r->root);
    free(r->bsns);
    memset(r, 0, sizeof *r);
}

/* ---- REPORT validation -------------------------------------------- */

static const char *const s_report_fields[] = {
    "external_id", "agreement", "status", "reason", "period", "count",
    "note", NULL};
static const char *const s_report_status[] = {"delivered", "not_delivered",
                                              NULL};

/* Whether s is an ISO week "2026-W47" that exists, or a date. */
static bool s_period_ok(const char *s)
{
    int y, w, used = 0;
    if (rrp_date_valid(s))
        return true;
    if (sscanf(s, "%4d-W%2d%n", &y, &w, &used) != 2 ||
        used != (int)strlen(s) || strlen(s) != 8 || w < 1)
        return false;
    /* A year has 53 ISO weeks when it starts on a Thursday, or is a
     * leap year starting on a Wednesday. */
    int a = (y - 1) % 400, dow = (1 + 5 * (a % 4) + 4 * (a % 100) +
                                  6 * (a % 400)) % 7; /* Jan 1, 0=Sunday */
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return w <= ((dow == 4 || (leap && dow == 3)) ? 53 : 52);
}

static int s_report_fields_ok(const json_t *root, rrp_report_t *r,
                              rrp_problem_t *pb)
{
    if (s_no_unknown(root, "", s_report_fields, pb) < 0 ||
        s_string(root, "external_id", "external_id", "/external_id", true,
                 1, RRP_ID_MAX, &r->external_id, pb) < 0 ||
        s_string(root, "agreement", "agreement", "/agreement", true, 1, 32,
                 &r->agreement, pb) < 0 ||
        s_choice(root, "status", s_report_status, false, &r->status, pb) <
            0 ||
        s_string(root, "reason", "reason", "/reason", false, 1,
                 RRP_NOTE_MAX, &r->reason, pb) < 0 ||
        s_string(root, "period", "period", "/period", false, 0, 16,
                 &r->period, pb) < 0 ||
        s_string(root, "note", "note", "/note", false, 0, RRP_NOTE_MAX,
                 &r->note, pb) < 0)
        return -1;
    if (s_has_control(r->external_id)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/external_id",
                        "external_id must hold printable characters only");
        return -1;
    }
    return 0;
}

int rrp_report_parse(const char *body, size_t len, rrp_report_t *out,
                     rrp_problem_t *pb)
{
    memset(out, 0, sizeof *out);
    out->count = -1;
    out->root = rrp_parse_object(body, len, pb);
    if (!out->root)
        return -1;
    if (s_report_fields_ok(out->root, out, pb) < 0)
        goto bad;
    if (!out->status)
        out->status = "delivered";
    if (strcmp(out->status, "not_delivered") == 0 && !out->reason) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/reason",
                        "reason is required when status is not_delivered: "
                        "say why the agreed report is not coming");
        goto bad;
    }
    if (out->reason && bsn_in_text(out->reason)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/reason",
                        "reason holds what looks like a BSN; it is emailed "
                        "to the gemeente, so leave it out");
        goto bad;
    }
    if (out->period && !s_period_ok(out->period)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/period",
                        "period must be an ISO week like \"2026-W47\" or a "
                        "date like \"2026-11-20\"");
        goto bad;
    }
    json_t *c = json_object_get(out->root, "count");
    if (c && (!json_is_integer(c) || json_integer_value(c) < 0)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/count",
                        "count must be a whole number, 0 or more");
        goto bad;
    }
    if (c)
        out->count = json_integer_value(c);
    return 0;
bad:
    rrp_report_clear(out);
    return -1;
}

void rrp_report_clear(rrp_report_t *r)
{
    json_decref(r->root);
    memset(r, 0, sizeof *r);
    r->count = -1;
}

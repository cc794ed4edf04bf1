/*
 * csvfield — the RRP fields of a CSV mapping; see csvfield.h. The table
 * follows spec section 3 (REFERRAL): what the daemon requires is marked
 * required here, so a mapping that cannot give it is refused at load.
 */
#include "csvfield.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

static const csvfield_t s_fields[CSVFIELD_COUNT] = {
    {"external_id", "/external_id", CSVFIELD_TEXT, 0},
    {"kind", "/kind", CSVFIELD_KIND, CSVFIELD_REQUIRED | CSVFIELD_CONSTANT},
    {"category", "/category", CSVFIELD_TEXT,
     CSVFIELD_REQUIRED | CSVFIELD_CONSTANT},
    {"urgency", "/urgency", CSVFIELD_URGENCY, CSVFIELD_CONSTANT},
    {"subject.bsn", "/subject/bsn", CSVFIELD_BSN, CSVFIELD_REQUIRED},
    {"subject.birth_date", "/subject/birth_date", CSVFIELD_DATE, 0},
    {"household", "/household", CSVFIELD_BSN, CSVFIELD_REPEAT},
    {"postcode", "/postcode", CSVFIELD_TEXT, CSVFIELD_CONSTANT},
    {"contact.name", "/contact/name", CSVFIELD_TEXT,
     CSVFIELD_REQUIRED | CSVFIELD_CONSTANT},
    {"contact.email", "/contact/email", CSVFIELD_TEXT, CSVFIELD_CONSTANT},
    {"contact.phone", "/contact/phone", CSVFIELD_TEXT, CSVFIELD_CONSTANT},
    {"occurred_at", "/occurred_at", CSVFIELD_DATETIME, 0},
    {"note", "/note", CSVFIELD_TEXT, CSVFIELD_REPEAT | CSVFIELD_CONSTANT},
};

static const char *const s_kinds[] = {"melding", "verwijzing", "aanmelding",
                                      "signaal", NULL};
static const char *const s_urgencies[] = {"normaal", "urgent", "crisis", NULL};

const csvfield_t *csvfield_find(const char *name)
{
    for (size_t i = 0; i < CSVFIELD_COUNT; i++)
        if (strcmp(s_fields[i].name, name) == 0)
            return &s_fields[i];
    return NULL;
}

const csvfield_t *csvfield_at(size_t i)
{
    return i < CSVFIELD_COUNT ? &s_fields[i] : NULL;
}

size_t csvfield_index(const csvfield_t *f)
{
    return (size_t)(f - s_fields);
}

static bool s_in(const char *const *list, const char *v)
{
    for (; *list; list++)
        if (strcmp(*list, v) == 0)
            return true;
    return false;
}

bool csvfield_check(const csvfield_t *f, const char *v, char *why,
                    size_t why_len)
{
    if (f->type == CSVFIELD_KIND && !s_in(s_kinds, v)) {
        snprintf(why, why_len,
                 "'%s' is not a kind (melding, verwijzing, aanmelding or "
                 "signaal)",
                 v);
        return false;
    }
    if (f->type == CSVFIELD_URGENCY && !s_in(s_urgencies, v)) {
        snprintf(why, why_len,
                 "'%s' is not an urgency (normaal, urgent or crisis)", v);
        return false;
    }
    return true;
}

/* Appends a household member, or joins a note to the one before;
 * returns false for any other field. */
static bool s_add(json_t *body, const csvfield_t *f, const char *value)
{
    if (strcmp(f->name, "household") == 0) {
        json_t *h = json_object_get(body, "household");
        if (!h)
            json_object_set_new(body, "household", h = json_array());
        json_array_append_new(h, json_pack("{s:s}", "bsn", value));
        return true;
    }
    const char *old = json_string_value(json_object_get(body, "note"));
    if (strcmp(f->name, "note") != 0 || !old)
        return false;
    char *both = xasprintf("%s\n%s", old, value);
    json_object_set_new(body, "note", json_string(both));
    free(both);
    return true;
}

void csvfield_set(json_t *body, const csvfield_t *f, const char *value,
                  const char *id_prefix)
{
    if (s_add(body, f, value))
        return;
    if (strcmp(f->name, "external_id") == 0) {
        char *id = xasprintf("%s%s", id_prefix, value);
        json_object_set_new(body, "external_id", json_string(id));
        free(id);
        return;
    }
    const char *dot = strchr(f->name, '.');
    if (!dot) {
        json_object_set_new(body, f->name, json_string(value));
        return;
    }
    char *outer = xstrndup(f->name, (size_t)(dot - f->name));
    json_t *o = json_object_get(body, outer);
    if (!o)
        json_object_set_new(body, outer, o = json_object());
    json_object_set_new(o, dot + 1, json_string(value));
    free(outer);
}

/*
 * decode — the decoder's step of a batch (see decode.h). Stateless but
 * for the rules, which belong to the thread that uses them.
 */
#include "decode.h"

#include "clock.h"
#include "xmem.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct decode_rules {
    size_t body_max;      /* bytes of a body */
    size_t household_max; /* members of a household */
    char **categories;    /* the configured categories */
    size_t categories_n;
    char **partners; /* the partners' ids */
    size_t partners_n;
    unsigned char key[32]; /* the pseudonym key */
};

/* A copy of n strings. */
static char **s_strings(char *const *v, size_t n)
{
    char **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

static void s_strings_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

decode_rules_t *decode_rules_new(const cfg_t *cfg)
{
    decode_rules_t *r = xcalloc(1, sizeof *r);
    r->body_max = cfg->body_bytes;
    r->household_max = cfg->household;
    r->categories = s_strings(cfg->categories, cfg->categories_n);
    r->categories_n = cfg->categories_n;
    r->partners = xcalloc(cfg->partners_n ? cfg->partners_n : 1,
                          sizeof *r->partners);
    for (size_t i = 0; i < cfg->partners_n; i++)
        r->partners[i] = xstrdup(cfg->partners[i].id);
    r->partners_n = cfg->partners_n;
    memcpy(r->key, cfg->pseudo_key, sizeof r->key);
    return r;
}

void decode_rules_destroy(decode_rules_t **p)
{
    if (!p || !*p)
        return;
    decode_rules_t *r = *p;
    s_strings_free(r->categories, r->categories_n);
    s_strings_free(r->partners, r->partners_n);
    memset(r->key, 0, sizeof r->key);
    free(r);
    *p = NULL;
}

bool decode_partner_known(const decode_rules_t *r, const char *id)
{
    for (size_t i = 0; i < r->partners_n; i++)
        if (strcmp(r->partners[i], id) == 0)
            return true;
    return false;
}

static void s_pong(intake_item_t *item)
{
    json_t *o = json_pack("{s:s, s:s}", "version", REGIE_VERSION, "partner",
                          item->partner_id);
    item->status = "PONG";
    item->body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    item->state = INTAKE_DONE;
}

/* Decodes one item in one pass (rrpreq); PING and refusals are final,
 * a valid REFERRAL or REPORT is INTAKE_PENDING. */
static void s_decode(const decode_rules_t *r, intake_item_t *item,
                     const char *today)
{
    item->state = INTAKE_DONE;
    if (item->body) /* answered already by the caller */
        return;
    rrpreq_rules_t rules = {
        .body_max = r->body_max,
        .referral = {.household_max = r->household_max,
                     .categories = r->categories,
                     .categories_n = r->categories_n,
                     .today = today},
        .key = r->key,
    };
    rrp_problem_t pb;
    int rc =
        rrpreq_decode(item->frames, item->nframes, &rules, &item->req, &pb);
    item->corr = item->req.corr;
    item->corr_len = item->req.corr_len;
    if (rc < 0) {
        intake_nack(item, &pb);
    } else if (item->req.command == RRP_CMD_PING) {
        s_pong(item);
    } else {
        item->state = INTAKE_PENDING;
        const rrpreferral_t *ref = &item->req.referral;
        if (item->req.command == RRP_CMD_REFERRAL) {
            item->persons = xmalloc(ref->persons * PSEUDO_LEN);
            for (size_t i = 0; i < ref->persons; i++)
                pseudo_person(r->key, ref->bsns[i], item->persons[i]);
        }
    }
}

void decode_batch(const decode_rules_t *r, intake_item_t *items, size_t n)
{
    time_t t = (time_t)clock_now();
    struct tm tm;
    char today[16];
    strftime(today, sizeof today, "%Y-%m-%d", localtime_r(&t, &tm));
    for (size_t i = 0; i < n; i++)
        s_decode(r, &items[i], today);
}

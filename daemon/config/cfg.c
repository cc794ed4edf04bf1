/*
 * cfg — the configuration once read: the partners, policies and
 * departments looked up by the parts of the daemon, the names of the
 * agreement kinds, and freeing it all (the keys wiped). Read-only after
 * cfgload made it; any thread may read it.
 */
#include "cfg.h"

#include "xmem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const s_kind_names[CFG_KINDS] = {
    "progress", "assign", "partner", "request", "custom"};

const char *cfg_kind_name(int kind)
{
    return kind >= 0 && kind < CFG_KINDS ? s_kind_names[kind] : NULL;
}

int cfg_kind(const char *name)
{
    for (int i = 0; i < CFG_KINDS; i++)
        if (name && strcmp(name, s_kind_names[i]) == 0)
            return i;
    return -1;
}

/* Frees a list of n strings. */
static void s_free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* Frees what the agreement and monitoring groups put in cfg. */
static void s_free_agree(cfg_t *cfg)
{
    for (size_t i = 0; i < cfg->policies_n; i++) {
        free(cfg->policies[i].name);
        free(cfg->policies[i].steps);
    }
    free(cfg->policies);
    for (int k = 0; k < CFG_KINDS; k++)
        free(cfg->policy_for[k]);
    for (size_t i = 0; i < cfg->departments_n; i++) {
        free(cfg->departments[i].id);
        free(cfg->departments[i].addr.name);
        free(cfg->departments[i].addr.email);
    }
    free(cfg->departments);
    free(cfg->metrics_file);
    s_free_strings(cfg->domain_keys, cfg->domains_n);
    s_free_strings(cfg->domain_values, cfg->domains_n);
}

static void s_free_partner(cfg_partner_t *q)
{
    free(q->id);
    free(q->name);
    free(q->contact);
    s_free_strings(q->kinds, q->kinds_n);
    s_free_strings(q->categories, q->categories_n);
    free(q->email);
    free(q->report.first_due);
    free(q->report.description);
}

/* Frees the mail group, wiping the SMTP password. */
static void s_free_mail(cfg_mail_t *m)
{
    cfg_address_t *addrs[] = {&m->from, &m->kernteam, &m->gemeente};
    for (size_t i = 0; i < 3; i++) {
        free(addrs[i]->name);
        free(addrs[i]->email);
    }
    free(m->templates);
    free(m->templates_shipped);
    free(m->smtp_host);
    free(m->smtp_ca_file);
    free(m->smtp_user);
    if (m->smtp_password) {
        sodium_memzero(m->smtp_password, strlen(m->smtp_password));
        free(m->smtp_password);
    }
}

void cfg_destroy(cfg_t **p)
{
    if (!p || !*p)
        return;
    cfg_t *cfg = *p;
    free(cfg->path);
    s_free_strings(cfg->intake, cfg->intake_n);
    free(cfg->database);
    s_free_strings(cfg->categories, cfg->categories_n);
    free(cfg->postcodes);
    for (size_t i = 0; i < cfg->partners_n; i++)
        s_free_partner(&cfg->partners[i]);
    free(cfg->partners);
    free(cfg->control);
    free(cfg->timezone);
    s_free_agree(cfg);
    s_free_mail(&cfg->mail);
    sodium_memzero(cfg, sizeof *cfg); /* the keys */
    free(cfg);
    *p = NULL;
}

const cfg_partner_t *cfg_partner_by_key(const cfg_t *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->partners_n; i++)
        if (strcmp(cfg->partners[i].public_key, key) == 0)
            return &cfg->partners[i];
    return NULL;
}

const cfg_partner_t *cfg_partner_by_id(const cfg_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->partners_n; i++)
        if (cfg->partners[i].id && strcmp(cfg->partners[i].id, id) == 0)
            return &cfg->partners[i];
    return NULL;
}

bool cfg_list_has(char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

const cfg_policy_t *cfg_policy(const cfg_t *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->policies_n && name; i++)
        if (cfg->policies[i].name && strcmp(cfg->policies[i].name, name) == 0)
            return &cfg->policies[i];
    return NULL;
}

const cfg_department_t *cfg_department(const cfg_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->departments_n && id; i++)
        if (cfg->departments[i].id && strcmp(cfg->departments[i].id, id) == 0)
            return &cfg->departments[i];
    return NULL;
}

const char *cfg_domain(const cfg_t *cfg, const char *category)
{
    for (size_t i = 0; i < cfg->domains_n; i++)
        if (strcmp(cfg->domain_keys[i], category) == 0)
            return cfg->domain_values[i];
    return "other";
}

char *cfg_template(const cfg_t *cfg, const char *name)
{
    char *p = xasprintf("%s/%s", cfg->mail.templates, name);
    struct stat st;
    if (!cfg->mail.templates_shipped || lstat(p, &st) == 0)
        return p;
    free(p);
    return xasprintf("%s/%s", cfg->mail.templates_shipped, name);
}

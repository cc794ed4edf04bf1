/*
 * notify — the rules of who is told what, and the templates that say it.
 * Renders into the outbox inside the caller's transaction. Main thread
 * only; templates are loaded from cfg->mail.templates at start and reload.
 */
#include "notify.h"

#include "log.h"
#include "outbox.h"
#include "tmpl.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    T_REFERRAL_REGISSEUR,
    T_REFERRAL_KERNTEAM,
    T_OVERLAP_KERNTEAM,
    T_ASSIGNED_REGISSEUR,
    T_UNASSIGNED_REGISSEUR,
    T_COUNT
};

/* Each template's file and the placeholders it may use. */
static const struct {
    const char *file;
    const char *names[12];
} s_templates[T_COUNT] = {
    [T_REFERRAL_REGISSEUR] = {"referral_regisseur.txt",
                              {"regisseur", "case", "referral", "partner",
                               "kind", "date", "urgency", "contact_name",
                               "contact_email", "contact_phone"}},
    [T_REFERRAL_KERNTEAM] = {"referral_kernteam.txt",
                             {"case", "referral", "partner", "kind", "date",
                              "urgency", "contact_name", "contact_email",
                              "contact_phone"}},
    [T_OVERLAP_KERNTEAM] = {"overlap_kernteam.txt",
                            {"case", "cases", "referral", "partner", "kind",
                             "date"}},
    [T_ASSIGNED_REGISSEUR] = {"assigned_regisseur.txt",
                              {"regisseur", "case", "date"}},
    [T_UNASSIGNED_REGISSEUR] = {"unassigned_regisseur.txt",
                                {"regisseur", "case", "date"}},
};

struct notify {
    const cfg_t *cfg;           /* borrowed */
    tmpl_t *tmpl[T_COUNT];      /* NULL when mail is off */
};

static const char s_sql_regisseur[] =
    "SELECT name, email FROM regisseur WHERE id = ?1";

static size_t s_count_names(const char *const *names)
{
    size_t n = 0;
    while (n < 12 && names[n])
        n++;
    return n;
}

notify_t *notify_new(const cfg_t *cfg)
{
    notify_t *n = xcalloc(1, sizeof *n);
    n->cfg = cfg;
    if (!cfg->mail.enabled)
        return n;
    int errors = 0;
    for (int i = 0; i < T_COUNT; i++) {
        char *path = xasprintf("%s/%s", cfg->mail.templates,
                               s_templates[i].file);
        char err[512];
        n->tmpl[i] = tmpl_load(path, s_templates[i].names,
                               s_count_names(s_templates[i].names), err,
                               sizeof err);
        if (!n->tmpl[i]) {
            fprintf(stderr, "%s\n", err);
            errors++;
        }
        free(path);
    }
    if (errors)
        notify_destroy(&n);
    return n;
}

void notify_destroy(notify_t **p)
{
    if (!p || !*p)
        return;
    for (int i = 0; i < T_COUNT; i++)
        tmpl_destroy(&(*p)->tmpl[i]);
    free(*p);
    *p = NULL;
}

bool notify_enabled(const notify_t *n)
{
    return n && n->cfg->mail.enabled;
}

/* "3 maart 2025" in the configured zone (TZ is set at start). */
static void s_date_nl(int64_t t, char *buf, size_t len)
{
    static const char *months[] = {
        "januari", "februari", "maart",     "april",   "mei",      "juni",
        "juli",    "augustus", "september", "oktober", "november", "december"};
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    snprintf(buf, len, "%d %s %d", tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900);
}

/* Renders template t with vars and queues it for one recipient. */
static int s_queue(notify_t *n, store_t *s, int t, const tmpl_var_t *vars,
                   size_t nvars, const outbox_note_t *base, int64_t now)
{
    outbox_note_t note = *base;
    char *subject, *body;
    tmpl_render(n->tmpl[t], vars, nvars, &subject, &body);
    char *marked = NULL;
    if (note.urgent) {
        marked = xasprintf("CRISIS: %s", subject);
        note.subject = marked;
    } else {
        note.subject = subject;
    }
    note.body = body;
    int rc = outbox_add(s, &note, now);
    free(subject);
    free(body);
    free(marked);
    return rc;
}

/* Reads a regisseur's name and email (copies, or NULL). */
static int s_regisseur(store_t *s, int64_t id, char **name, char **email)
{
    *name = *email = NULL;
    sqlite3_stmt *st = store_prepare(s, s_sql_regisseur);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        *name = store_column_dup(st, 0);
        *email = store_column_dup(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The list of overlapping cases, one per line: "C-000003". */
static char *s_case_list(const notify_referral_t *r)
{
    size_t n = (size_t)r->other_cases_n;
    char *out = xcalloc(n * 16 + 1, 1);
    for (size_t i = 0; i < n && r->other_cases; i++) {
        char line[24];
        snprintf(line, sizeof line, "%sC-%06lld", i ? "\n" : "",
                 (long long)r->other_cases[i]);
        strcat(out, line);
    }
    return out;
}

int notify_referral(notify_t *n, store_t *s, const notify_referral_t *r,
                    int64_t now)
{
    if (!notify_enabled(n))
        return 0;
    const cfg_mail_t *m = &n->cfg->mail;
    char kase[24], ref[24], date[40], key[96];
    snprintf(kase, sizeof kase, "C-%06lld", (long long)r->case_id);
    snprintf(ref, sizeof ref, "R-%06lld", (long long)r->referral_id);
    s_date_nl(now, date, sizeof date);
    char *name = NULL, *email = NULL;
    if (r->regisseur_id && s_regisseur(s, r->regisseur_id, &name, &email) < 0)
        return -1;
    tmpl_var_t vars[] = {
        {"case", kase},
        {"referral", ref},
        {"partner", r->partner_name},
        {"kind", r->kind},
        {"date", date},
        {"urgency", r->urgency},
        {"contact_name", r->contact_name},
        {"contact_email", r->contact_email},
        {"contact_phone", r->contact_phone},
        {"regisseur", name},
    };
    outbox_note_t base = {.urgent = strcmp(r->urgency, "crisis") == 0,
                          .case_id = r->case_id,
                          .referral_id = r->referral_id,
                          .key = key};
    int rc;
    if (r->regisseur_id) {
        snprintf(key, sizeof key, "referral/%lld/regisseur/%lld",
                 (long long)r->referral_id, (long long)r->regisseur_id);
        base.to = email;
        base.to_name = name;
        rc = s_queue(n, s, T_REFERRAL_REGISSEUR, vars, 10, &base, now);
    } else {
        snprintf(key, sizeof key, "referral/%lld/kernteam",
                 (long long)r->referral_id);
        base.to = m->kernteam.email;
        base.to_name = m->kernteam.name;
        rc = s_queue(n, s, T_REFERRAL_KERNTEAM, vars, 9, &base, now);
    }
    if (rc == 0 && r->open_cases > 1) {
        char *cases = s_case_list(r);
        tmpl_var_t ov[] = {{"case", kase},  {"cases", cases},
                           {"referral", ref}, {"partner", r->partner_name},
                           {"kind", r->kind}, {"date", date}};
        snprintf(key, sizeof key, "referral/%lld/overlap",
                 (long long)r->referral_id);
        base.to = m->kernteam.email;
        base.to_name = m->kernteam.name;
        rc = s_queue(n, s, T_OVERLAP_KERNTEAM, ov, 6, &base, now);
        free(cases);
    }
    free(name);
    free(email);
    return rc;
}

/* Tells one regisseur (id) about case kase with template t. */
static int s_tell(notify_t *n, store_t *s, int t, int64_t id, int64_t case_id,
                  const char *what, int64_t now)
{
    char *name, *email;
    if (s_regisseur(s, id, &name, &email) < 0)
        return -1;
    char kase[24], date[40], key[96];
    snprintf(kase, sizeof kase, "C-%06lld", (long long)case_id);
    s_date_nl(now, date, sizeof date);
    /* One assignment is one event: the time makes a re-assignment later
     * a new notification, while a retry of the same one is not. */
    snprintf(key, sizeof key, "case/%lld/%s/%lld/%lld", (long long)case_id,
             what, (long long)id, (long long)now);
    tmpl_var_t vars[] = {{"regisseur", name}, {"case", kase}, {"date", date}};
    outbox_note_t note = {.key = key, .to = email, .to_name = name,
                          .case_id = case_id};
    int rc = s_queue(n, s, t, vars, 3, &note, now);
    free(name);
    free(email);
    return rc;
}

int notify_assigned(notify_t *n, store_t *s, int64_t case_id,
                    int64_t regisseur_id, int64_t previous_id, int64_t now)
{
    if (!notify_enabled(n))
        return 0;
    if (s_tell(n, s, T_ASSIGNED_REGISSEUR, regisseur_id, case_id,
               "assigned", now) < 0)
        return -1;
    if (previous_id && previous_id != regisseur_id)
        return s_tell(n, s, T_UNASSIGNED_REGISSEUR, previous_id, case_id,
                      "unassigned", now);
    return 0;
}

/*
 * notify — the rules of who is told what, and the templates that say it.
 * Renders into the outbox inside the caller's transaction. Main thread
 * only; templates are loaded from cfg->mail.templates at start and reload.
 */
#include "notify.h"

#include "cal.h"
#include "cases/regisseur.h"
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
    T_AGREEMENT_MADE,
    T_REMINDER,
    T_ESCALATION,
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
    [T_AGREEMENT_MADE] = {"agreement_made.txt",
                          {"owner", "agreement", "description", "case", "due",
                           "every", "date"}},
    [T_REMINDER] = {"reminder.txt",
                    {"owner", "agreement", "description", "case", "due",
                     "when"}},
    [T_ESCALATION] = {"escalation.txt",
                      {"recipient", "owner", "owner_contact", "agreement",
                       "description", "case", "due", "days_late", "level",
                       "reasons"}},
};

struct notify {
    const cfg_t *cfg;      /* borrowed */
    tmpl_t *tmpl[T_COUNT]; /* NULL when mail is off */
};

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
        char *path = cfg_template(cfg, s_templates[i].file);
        char err[512];
        n->tmpl[i] =
            tmpl_load(path, s_templates[i].names,
                      s_count_names(s_templates[i].names), err, sizeof err);
        if (!n->tmpl[i]) {
            log_plain(LOG_LEVEL_ERR, "%s", err);
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

/* Reads a regisseur's name and email (copies, or NULL when there is no
 * such regisseur). Returns 0, or -1 on a store error. */
static int s_regisseur(store_t *s, int64_t id, char **name, char **email)
{
    regisseur_contact_t c;
    int rc = regisseur_contact(s, id, &c);
    *name = c.name;
    *email = c.email;
    c.name = c.email = NULL;
    regisseur_contact_clear(&c);
    return rc < 0 ? -1 : 0;
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

/* The words of a referral's notifications, and the key of the one
 * being queued. */
typedef struct {
    char kase[24], ref[24], date[40], key[96];
} s_words_t;

/* The outbox note of a notification about referral r, keyed w->key. */
static outbox_note_t s_note(const notify_referral_t *r, s_words_t *w)
{
    return (outbox_note_t){.urgent = strcmp(r->urgency, "crisis") == 0,
                           .case_id = r->case_id,
                           .referral_id = r->referral_id,
                           .key = w->key};
}

/* Tells the case's regisseur (name, email) about the referral, or the
 * kernteam when the case has none. */
static int s_first(notify_t *n, store_t *s, const notify_referral_t *r,
                   s_words_t *w, const char *name, const char *email,
                   int64_t now)
{
    const cfg_mail_t *m = &n->cfg->mail;
    tmpl_var_t vars[] = {
        {"case", w->kase},
        {"referral", w->ref},
        {"partner", r->partner_name},
        {"kind", r->kind},
        {"date", w->date},
        {"urgency", r->urgency},
        {"contact_name", r->contact_name},
        {"contact_email", r->contact_email},
        {"contact_phone", r->contact_phone},
        {"regisseur", name},
    };
    outbox_note_t note = s_note(r, w);
    if (r->regisseur_id) {
        snprintf(w->key, sizeof w->key, "referral/%lld/regisseur/%lld",
                 (long long)r->referral_id, (long long)r->regisseur_id);
        note.to = email;
        note.to_name = name;
        return s_queue(n, s, T_REFERRAL_REGISSEUR, vars, 10, &note, now);
    }
    snprintf(w->key, sizeof w->key, "referral/%lld/kernteam",
             (long long)r->referral_id);
    note.to = m->kernteam.email;
    note.to_name = m->kernteam.name;
    return s_queue(n, s, T_REFERRAL_KERNTEAM, vars, 9, &note, now);
}

/* Asks the kernteam to review the overlap of the referral with the other
 * open cases. */
static int s_overlap(notify_t *n, store_t *s, const notify_referral_t *r,
                     s_words_t *w, int64_t now)
{
    char *cases = s_case_list(r);
    tmpl_var_t ov[] = {{"case", w->kase},    {"cases", cases},
                       {"referral", w->ref}, {"partner", r->partner_name},
                       {"kind", r->kind},    {"date", w->date}};
    outbox_note_t note = s_note(r, w);
    snprintf(w->key, sizeof w->key, "referral/%lld/overlap",
             (long long)r->referral_id);
    note.to = n->cfg->mail.kernteam.email;
    note.to_name = n->cfg->mail.kernteam.name;
    int rc = s_queue(n, s, T_OVERLAP_KERNTEAM, ov, 6, &note, now);
    free(cases);
    return rc;
}

int notify_referral(notify_t *n, store_t *s, const notify_referral_t *r,
                    int64_t now)
{
    if (!notify_enabled(n))
        return 0;
    s_words_t w;
    snprintf(w.kase, sizeof w.kase, "C-%06lld", (long long)r->case_id);
    snprintf(w.ref, sizeof w.ref, "R-%06lld", (long long)r->referral_id);
    cal_date_nl(now, w.date, sizeof w.date);
    char *name = NULL, *email = NULL;
    if (r->regisseur_id && s_regisseur(s, r->regisseur_id, &name, &email) < 0)
        return -1;
    int rc = s_first(n, s, r, &w, name, email, now);
    if (rc == 0 && r->open_cases > 1)
        rc = s_overlap(n, s, r, &w, now);
    free(name);
    free(email);
    return rc;
}

/* Tells one regisseur (id) about case case_id with template t, for the
 * assignment recorded as audit event event. */
static int s_tell(notify_t *n, store_t *s, int t, int64_t id, int64_t case_id,
                  const char *what, int64_t event, int64_t now)
{
    char *name, *email;
    if (s_regisseur(s, id, &name, &email) < 0)
        return -1;
    char kase[24], date[40], key[96];
    snprintf(kase, sizeof kase, "C-%06lld", (long long)case_id);
    cal_date_nl(now, date, sizeof date);
    /* One assignment is one event: its id makes every re-assignment a
     * new notification, however soon it follows, while the same one is
     * never queued twice. */
    snprintf(key, sizeof key, "case/%lld/%s/%lld/event/%lld",
             (long long)case_id, what, (long long)id, (long long)event);
    tmpl_var_t vars[] = {{"regisseur", name}, {"case", kase}, {"date", date}};
    outbox_note_t note = {
        .key = key, .to = email, .to_name = name, .case_id = case_id};
    int rc = s_queue(n, s, t, vars, 3, &note, now);
    free(name);
    free(email);
    return rc;
}

int notify_assigned(notify_t *n, store_t *s, int64_t case_id,
                    int64_t regisseur_id, int64_t previous_id, int64_t event,
                    int64_t now)
{
    if (!notify_enabled(n))
        return 0;
    if (s_tell(n, s, T_ASSIGNED_REGISSEUR, regisseur_id, case_id, "assigned",
               event, now) < 0)
        return -1;
    if (previous_id && previous_id != regisseur_id)
        return s_tell(n, s, T_UNASSIGNED_REGISSEUR, previous_id, case_id,
                      "unassigned", event, now);
    return 0;
}

/* ---- agreements ---------------------------------------------------- */

int notify_owner(const cfg_t *cfg, store_t *s, const char *owner_type,
                 const char *owner, char **name, char **email)
{
    *name = *email = NULL;
    const cfg_address_t *a = NULL;
    if (strcmp(owner_type, "regisseur") == 0)
        return s_regisseur(s, atoll(owner), name, email);
    if (strcmp(owner_type, "partner") == 0) {
        const cfg_partner_t *p = cfg_partner_by_id(cfg, owner);
        if (p) {
            *name = xstrdup(p->name);
            *email = p->email ? xstrdup(p->email) : NULL;
        }
        return 0;
    }
    if (strcmp(owner_type, "kernteam") == 0)
        a = &cfg->mail.kernteam;
    else if (cfg_department(cfg, owner))
        a = &cfg_department(cfg, owner)->addr;
    if (a) {
        *name = a->name ? xstrdup(a->name) : xstrdup(owner);
        *email = a->email ? xstrdup(a->email) : NULL;
    }
    return 0;
}

/* "1 december 2026 om 09:00" in the configured zone. */
static void s_when_nl(int64_t t, char *buf, size_t len)
{
    char date[40];
    cal_date_nl(t, date, sizeof date);
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    snprintf(buf, len, "%s om %02d:%02d", date, tm.tm_hour, tm.tm_min);
}

/* The fields every agreement email shares. */
typedef struct {
    char agreement[24], kase[24], due[64], date[40];
} s_agree_vars_t;

static void s_agree_vars(const notify_agreement_t *a, int64_t now,
                         s_agree_vars_t *v)
{
    snprintf(v->agreement, sizeof v->agreement, "A-%06lld",
             (long long)a->agreement_id);
    if (a->case_id)
        snprintf(v->kase, sizeof v->kase, "C-%06lld", (long long)a->case_id);
    else
        snprintf(v->kase, sizeof v->kase, "-");
    s_when_nl(a->due_at, v->due, sizeof v->due);
    cal_date_nl(now, v->date, sizeof v->date);
}

int notify_agreement_made(notify_t *n, store_t *s, const notify_agreement_t *a,
                          int64_t now)
{
    if (!notify_enabled(n))
        return 0;
    char *name, *email;
    if (notify_owner(n->cfg, s, a->owner_type, a->owner, &name, &email) < 0)
        return -1;
    s_agree_vars_t v;
    s_agree_vars(a, now, &v);
    char every[48] = "eenmalig", key[96];
    if (a->period_days > 0)
        snprintf(every, sizeof every, "elke %d dagen", a->period_days);
    snprintf(key, sizeof key, "agreement/%lld/made",
             (long long)a->agreement_id);
    tmpl_var_t vars[] = {{"owner", name},
                         {"agreement", v.agreement},
                         {"description", a->description},
                         {"case", v.kase},
                         {"due", v.due},
                         {"every", every},
                         {"date", v.date}};
    outbox_note_t note = {
        .key = key, .to = email, .to_name = name, .case_id = a->case_id};
    int rc = s_queue(n, s, T_AGREEMENT_MADE, vars, 7, &note, now);
    free(name);
    free(email);
    return rc;
}

/* Queues one step email to one recipient (who: owner, kernteam,
 * gemeente) under key base/who. */
static int s_step_to(notify_t *n, store_t *s, const notify_agreement_t *a,
                     int t, const char *who, const cfg_address_t *to,
                     const cfg_address_t *owner, const char *base, int64_t now)
{
    const char *owner_name = owner->name;
    /* How to reach the owner: a partner's configured contact, else its
     * address. */
    const cfg_partner_t *p = strcmp(a->owner_type, "partner") == 0
                                 ? cfg_partner_by_id(n->cfg, a->owner)
                                 : NULL;
    const char *contact = p && p->contact ? p->contact
                          : owner->email  ? owner->email
                                          : "onbekend";
    s_agree_vars_t v;
    s_agree_vars(a, now, &v);
    char key[160], late[24], level[16], when[40];
    snprintf(key, sizeof key, "%s/%s", base, who);
    int64_t days = (now - a->due_at) / 86400;
    snprintf(late, sizeof late, "%lld", (long long)(days > 0 ? days : 0));
    snprintf(level, sizeof level, "%d", a->level);
    char today[40], due_day[40];
    cal_date_nl(now, today, sizeof today);
    cal_date_nl(a->due_at, due_day, sizeof due_day);
    snprintf(when, sizeof when, "%s",
             strcmp(today, due_day) == 0 ? "vandaag verloopt"
             : now < a->due_at           ? "binnenkort verloopt"
                                         : "al verlopen is");
    tmpl_var_t vars[] = {{"recipient", to->name},
                         {"owner", owner_name},
                         {"owner_contact", contact},
                         {"agreement", v.agreement},
                         {"description", a->description},
                         {"case", v.kase},
                         {"due", v.due},
                         {"days_late", late},
                         {"level", level},
                         {"reasons", a->reasons ? a->reasons
                                                : "Er is geen reden "
                                                  "opgegeven."},
                         {"when", when}};
    outbox_note_t note = {.key = key,
                          .to = to->email,
                          .to_name = to->name,
                          .case_id = a->case_id};
    return s_queue(n, s, t, vars, sizeof vars / sizeof *vars, &note, now);
}

int notify_agreement_step(notify_t *n, store_t *s, const notify_agreement_t *a,
                          const cfg_step_t *st, int repeat, int64_t now)
{
    if (!notify_enabled(n))
        return 0;
    const cfg_mail_t *m = &n->cfg->mail;
    char *name, *email;
    if (notify_owner(n->cfg, s, a->owner_type, a->owner, &name, &email) < 0)
        return -1;
    char base[96];
    /* An extension starts a new ladder: its steps are new notifications. */
    if (repeat)
        snprintf(base, sizeof base, "agreement/%lld/%d.%d/repeat/%d",
                 (long long)a->agreement_id, a->occurrence, a->extensions,
                 repeat);
    else
        snprintf(base, sizeof base, "agreement/%lld/%d.%d/step/%d",
                 (long long)a->agreement_id, a->occurrence, a->extensions,
                 a->step);
    cfg_address_t owner = {name ? name : (char *)a->owner, email};
    /* The owner gets a reminder, also when the step escalates: the
     * escalation text asks others to contact the owner. */
    int rc = 0;
    if (st->to_owner)
        rc = s_step_to(n, s, a, T_REMINDER, "owner", &owner, &owner, base, now);
    if (rc == 0 && st->to_kernteam && strcmp(a->owner_type, "kernteam"))
        rc = s_step_to(n, s, a, T_ESCALATION, "kernteam", &m->kernteam,
                       &owner, base, now);
    if (rc == 0 && st->to_gemeente)
        rc = s_step_to(n, s, a, T_ESCALATION, "gemeente", &m->gemeente,
                       &owner, base, now);
    free(name);
    free(email);
    return rc;
}

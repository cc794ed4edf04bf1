/*
 * cfg — regied's configuration as the daemon's parts read it: a cfg_t
 * with every string copied (cfgload reads and checks the file), and the
 * lookups of partners, policies, departments and domains. Built in the
 * main thread at start and on SIGHUP; read-only afterwards.
 */
#ifndef REGIE_CFG_H
#define REGIE_CFG_H

#include "keys.h"

#include <stdbool.h>
#include <stddef.h>

#define CFG_EX_CONFIG 78 /* sysexits EX_CONFIG */

/* A partner's periodic report agreement (partners[].report). */
typedef struct {
    bool enabled;
    int every_days;        /* period, e.g. 7 */
    char *first_due;       /* "2026-11-23 09:00" local, or NULL: a period
                            * after the daemon first sees the partner */
    char *description;
} cfg_partner_report_t;

typedef struct {
    char *id;             /* short id, used in references and logs */
    char *name;           /* organisation name, for people */
    char public_key[KEYS_Z85_LEN + 1]; /* Z85 CURVE public key */
    char *contact;        /* the partner's technical contact */
    bool disclose_regisseur; /* may learn the regisseur of a case */
    char **kinds;         /* allowed kinds; NULL: all */
    size_t kinds_n;
    char **categories;    /* allowed categories; NULL: all configured */
    size_t categories_n;
    char *email;          /* where its reminders go; NULL: none */
    cfg_partner_report_t report; /* its periodic report agreement */
} cfg_partner_t;

typedef struct {
    int from, to; /* four-digit postcode numbers, inclusive */
} cfg_postcode_range_t;

typedef struct {
    char *name;  /* display name, e.g. "Kernteam Wageningen" */
    char *email; /* address */
} cfg_address_t;

/* The "mail" group: who is told, how mail leaves. Absent: no
 * notifications are made at all (an intake-only installation). */
typedef struct {
    bool enabled;               /* the group is present */
    char *templates;            /* folder of the edited templates, resolved */
    char *templates_shipped;    /* folder of the shipped ones */
    cfg_address_t from;         /* From of every email */
    cfg_address_t kernteam;     /* the Kernteam's shared address */
    cfg_address_t gemeente;     /* the gemeente's monitoring contact */
    int quiet_start;            /* minutes after midnight, local time */
    int quiet_end;              /* equal to quiet_start: no quiet hours */
    char *smtp_host;            /* a name in the server's certificate */
    int smtp_port;
    bool smtp_starttls;         /* false only when configured so */
    char *smtp_ca_file;         /* NULL: the system's CAs */
    char *smtp_user;            /* NULL: no AUTH */
    char *smtp_password;        /* read from password_file */
    int smtp_timeout_ms;
    int smtp_max_per_session;   /* mails in one SMTP session at most */
    int smtp_session_s;         /* no mail begun in an older session */
    int retry_min_s;            /* first pause after a temporary failure */
    int retry_max_s;            /* longest pause */
    int lifetime_h;             /* give up on a notification after this */
} cfg_mail_t;

/* One step of a policy's ladder: a reminder (level 0, offset before or
 * on the due day) or an escalation (level >= 1, offset after it). */
typedef struct {
    int offset;        /* days relative to the due time (negative before) */
    int level;         /* 0 reminder; 1, 2, ... escalation levels */
    bool to_owner;     /* recipients */
    bool to_kernteam;
    bool to_gemeente;
} cfg_step_t;

/* A named policy: its steps in time order, and the repeat of the last. */
typedef struct {
    char *name;
    cfg_step_t *steps;
    size_t steps_n;
    bool working_days; /* offsets count Monday to Friday only */
    int repeat_days;   /* the last level again every N days; 0: never */
} cfg_policy_t;

/* A department of the gemeente that can own agreements. */
typedef struct {
    char *id;
    cfg_address_t addr;
} cfg_department_t;

typedef struct {
    char *path;                 /* the file read, as given */
    char **intake;              /* intake endpoints */
    size_t intake_n;
    char server_public[KEYS_Z85_LEN + 1];
    char server_secret[KEYS_Z85_LEN + 1];
    char *database;             /* database path, resolved */
    unsigned char pseudo_key[KEYS_PSEUDO_LEN];
    int log_level;
    int busy_timeout_ms;
    int max_database_mb;        /* database + WAL; 0: no cap */
    int wal_max_mb;             /* a truncating checkpoint past this */
    int min_free_mb;            /* writes refused below this free space */
    size_t body_bytes;
    size_t message_bytes;
    size_t household;
    size_t batch;
    int handshake_ms;           /* a connection must finish CURVE within */
    long long max_connections;  /* open connections; 0 auto, -1 no guard */
    char **categories;
    size_t categories_n;
    cfg_postcode_range_t *postcodes; /* NULL: all postcodes */
    size_t postcodes_n;
    cfg_partner_t *partners;
    size_t partners_n;
    char *control;              /* control socket path (ipc), resolved */
    int control_mode;           /* its file mode, e.g. 0660 */
    char *timezone;             /* zone of due times and quiet hours */
    cfg_mail_t mail;
    /* agreements */
    cfg_policy_t *policies;     /* named policies (defaults when absent) */
    size_t policies_n;
    char *policy_for[5];        /* policy of each kind, by agree kind:
                                 * progress, assign, partner, request,
                                 * custom */
    int progress_days_complex;  /* 21 */
    int progress_days_intensive; /* 42 */
    int assign_days;            /* a new case gets a regisseur within */
    int request_days;           /* a department answers within */
    cfg_department_t *departments;
    size_t departments_n;
    /* monitoring */
    int digest_weekday;         /* 0 Sunday .. 6 Saturday; -1: no digest */
    int digest_minute;          /* minutes after midnight, local */
    char *metrics_file;         /* NULL: no metrics file */
    int metrics_interval_s;
    int retention_months;       /* closed cases kept this long */
    int max_active_months;      /* referrals of open cases kept this long */
    int purge_minute;           /* daily purge at, minutes after midnight */
    char **domain_keys;         /* category -> domain (care, */
    char **domain_values;       /* participation, safety) */
    size_t domains_n;
} cfg_t;

/* The kinds of agreements, indexes of policy_for. */
enum {
    CFG_KIND_PROGRESS,
    CFG_KIND_ASSIGN,
    CFG_KIND_PARTNER,
    CFG_KIND_REQUEST,
    CFG_KIND_CUSTOM,
    CFG_KINDS
};

/* The policy named name, or NULL. Lives as long as cfg. */
const cfg_policy_t *cfg_policy(const cfg_t *cfg, const char *name);

/* The department with this id, or NULL. */
const cfg_department_t *cfg_department(const cfg_t *cfg, const char *id);

/* The path of template name (e.g. "reminder.txt"): the edited one in
 * mail.templates when that folder holds a file of that name, else the
 * shipped one. A new string for the caller to free. */
char *cfg_template(const cfg_t *cfg, const char *name);

/* The domain (care, participation, safety) of a category, or "other". */
const char *cfg_domain(const cfg_t *cfg, const char *category);

/* Frees a cfg_t (wiping the keys) and sets *p to NULL; accepts NULL. */
void cfg_destroy(cfg_t **p);

/* Returns the partner whose Z85 public key is key, or NULL. The pointer
 * lives as long as cfg. */
const cfg_partner_t *cfg_partner_by_key(const cfg_t *cfg, const char *key);

/* Returns the partner with this id, or NULL. */
const cfg_partner_t *cfg_partner_by_id(const cfg_t *cfg, const char *id);

/* Whether name is in a list of n strings. */
bool cfg_list_has(char *const *list, size_t n, const char *name);

/* The name of an agreement kind (CFG_KIND_...), and back (-1: none). */
const char *cfg_kind_name(int kind);
int cfg_kind(const char *name);

#endif

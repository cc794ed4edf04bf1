/*
 * cfg — regied's configuration: one libconfig file read into a cfg_t with
 * every string copied, checked completely (files readable, keys well
 * formed, ids unique), each mistake reported as "file:line: message".
 * Built in the main thread at start and on SIGHUP; read-only afterwards.
 */
#ifndef REGIE_CFG_H
#define REGIE_CFG_H

#include "keys.h"

#include <stdbool.h>
#include <stddef.h>

#define CFG_EX_CONFIG 78 /* sysexits EX_CONFIG */

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
    char *templates;            /* folder of the templates, resolved */
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
    int retry_min_s;            /* first pause after a temporary failure */
    int retry_max_s;            /* longest pause */
    int lifetime_h;             /* give up on a notification after this */
} cfg_mail_t;

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
    int max_database_mb;        /* 0: no cap */
    size_t body_bytes;
    size_t message_bytes;
    size_t household;
    size_t batch;
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
} cfg_t;

/* Reads and checks path. Returns a new cfg_t, or NULL after writing every
 * error found as "file:line: message" to stderr. */
cfg_t *cfg_load(const char *path);

/* Frees a cfg_t (wiping the keys) and sets *p to NULL; accepts NULL. */
void cfg_destroy(cfg_t **p);

/* Returns the partner whose Z85 public key is key, or NULL. The pointer
 * lives as long as cfg. */
const cfg_partner_t *cfg_partner_by_key(const cfg_t *cfg, const char *key);

/* Returns the partner with this id, or NULL. */
const cfg_partner_t *cfg_partner_by_id(const cfg_t *cfg, const char *id);

/* Whether name is in a list of n strings. */
bool cfg_list_has(char *const *list, size_t n, const char *name);

#endif

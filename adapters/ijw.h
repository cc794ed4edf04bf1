/*
 * ijw — reads one iJw JW315 or iWmo WMO315 message ("verzoek om
 * toewijzing", release 3.2) and maps every Client x AangevraagdProduct to
 * one RRP REFERRAL body (spec section 3), or to a reason why it cannot.
 *
 * A message is refused as a whole when it is not well-formed, carries a
 * DOCTYPE, is not a JW315/WMO315 of release 3.2, lacks the header fields
 * the mapping needs, or fails the XSD the caller configured. Otherwise each
 * record maps or is refused on its own: one client with a bad BSN does not
 * stop the others. Every problem is reported as "source:line: text".
 *
 * Used by regie-ijw on its main thread; no state outside the ijw_msg_t.
 * The program calls xmlInitParser() before and xmlCleanupParser() after.
 */
#ifndef REGIE_IJW_H
#define REGIE_IJW_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Longest external_id the mapping emits, in characters (spec 3). */
#define IJW_EXTERNAL_ID_MAX 128
/* Longest note, in characters (spec 3). */
#define IJW_NOTE_MAX 2000
/* Longest contact.name, in characters (as the daemon accepts it). */
#define IJW_CONTACT_NAME_MAX 200

typedef struct ijw_msg ijw_msg_t;

typedef enum {
    IJW_TYPE_UNKNOWN = 0, /* refused before the type was known */
    IJW_TYPE_JW315,       /* iJw, BerichtCode 446 */
    IJW_TYPE_WMO315       /* iWmo, BerichtCode 444 */
} ijw_type_t;

/* One product category code of the message (JZ020 for JW315, WMO020 for
 * WMO315), e.g. "54", and the RRP category it becomes, e.g. "ggz". */
typedef struct {
    const char *code;
    const char *category;
} ijw_category_pair_t;

/* The categories of one message type. A code not in pairs, and a product
 * without Product/Categorie, get fallback; when fallback is NULL such a
 * record is refused. */
typedef struct {
    const ijw_category_pair_t *pairs;
    size_t count;
    const char *fallback;
} ijw_category_map_t;

/* What the adapter's configuration adds to a message. The strings are
 * borrowed for the duration of ijw_parse only. */
typedef struct {
    ijw_category_map_t jw;     /* categories for JW315 */
    ijw_category_map_t wmo;    /* categories for WMO315 */
    const char *contact_email; /* the provider's desk; email and/or phone */
    const char *contact_phone;
    const char *jw315_xsd;  /* JW315 schema file, or NULL: no validation */
    const char *wmo315_xsd; /* WMO315 schema file, or NULL */
    bool with_note;         /* Commentaar becomes note (cut to 2000) */
} ijw_options_t;

/* Parses the message in buf (len bytes, not NUL-terminated) and maps it.
 * source names it in every problem text (e.g. the file name); opts as
 * above. Returns an owned message, also when the message is refused (see
 * ijw_error_count); NULL only when opts cannot be used (no contact email
 * or phone, a configured XSD that does not load), after one log line. */
ijw_msg_t *ijw_parse(const char *buf, size_t len, const char *source,
                     const ijw_options_t *opts);

/* Frees the message and sets *p to NULL; accepts NULL and *p == NULL. */
void ijw_destroy(ijw_msg_t **p);

/* Returns which message this is; IJW_TYPE_UNKNOWN when refused before
 * the root element and BerichtCode were recognised. */
ijw_type_t ijw_type(const ijw_msg_t *msg);

/* Returns the number of problems that refuse the whole message; records
 * are then 0. */
size_t ijw_error_count(const ijw_msg_t *msg);

/* Returns problem i (< ijw_error_count) as "source:line: text"; borrowed
 * until ijw_destroy. Texts of schema errors may quote values from the
 * message: write them to the error report, never to the log. */
const char *ijw_error_text(const ijw_msg_t *msg, size_t i);

/* Returns the line of problem i, or 0 when it has none. */
long ijw_error_line(const ijw_msg_t *msg, size_t i);

/* Returns the number of records: one per AangevraagdProduct of every
 * Client (one for a Client without products), in document order. */
size_t ijw_count(const ijw_msg_t *msg);

/* Returns how many records mapped (have a referral). */
size_t ijw_mapped_count(const ijw_msg_t *msg);

/* Returns the REFERRAL body of record i (< ijw_count), or NULL when the
 * record is refused. Borrowed until ijw_destroy (json_incref to keep). */
json_t *ijw_record_json(const ijw_msg_t *msg, size_t i);

/* Returns the line of record i's AangevraagdProduct (of its Client when
 * it has no product). */
long ijw_record_line(const ijw_msg_t *msg, size_t i);

/* Returns why record i is refused: one "source:line: text" per problem,
 * separated by newlines; NULL when it maps. Borrowed until ijw_destroy.
 * Never contains a BSN. */
const char *ijw_record_error(const ijw_msg_t *msg, size_t i);

/* Returns a report of every problem of the message and of its refused
 * records, one "source:line: text" per line, each ending in a newline;
 * NULL when there is none. The caller frees it. */
char *ijw_report(const ijw_msg_t *msg);

#endif

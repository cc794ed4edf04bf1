/*
 * outbox — the notification table (see outbox.h). Main thread only.
 */
#include "outbox.h"

#include "log.h"
#include "store/dbjson.h"
#include "xmem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Message-ID part: the installation's id and 80 random bits. */
static const char s_sql_add[] =
    "INSERT INTO notification (key, recipient, recipient_name, subject,"
    " body, urgent, status, created_at, next_attempt_at, last_error,"
    " case_id, referral_id, message_id, html, parts) VALUES (?1, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, (SELECT uid FROM installation)"
    " || '.' || lower(hex(randomblob(10))), ?12, ?13)"
    " ON CONFLICT (key) DO NOTHING";
static const char s_sql_next[] =
    "SELECT id, next_attempt_at FROM notification WHERE status = 'pending'"
    " ORDER BY next_attempt_at, id LIMIT ?1";
/* The due ids from the index alone (notification_due holds status,
 * next_attempt_at and id); the row, with its texts, only for the one
 * taken: the ones out with the sender are passed over unread. */
static const char s_sql_take[] =
    "SELECT id FROM notification"
    " WHERE status = 'pending' AND next_attempt_at <= ?1"
    " ORDER BY next_attempt_at, id LIMIT ?2";
static const char s_sql_row[] =
    "SELECT id, key, recipient, recipient_name, subject, body, urgent,"
    " attempts, created_at, message_id, html, parts FROM notification"
    " WHERE id = ?1";
static const char s_sql_defer[] =
    "UPDATE notification SET next_attempt_at = ?2 WHERE id = ?1";
static const char s_sql_sent[] =
    "UPDATE notification SET status = 'sent', sent_at = ?2,"
    " attempts = attempts + 1, last_error = NULL WHERE id = ?1";
static const char s_sql_failed[] =
    "UPDATE notification SET status = 'failed', attempts = attempts + 1,"
    " last_error = ?3, next_attempt_at = ?2 WHERE id = ?1";
static const char s_sql_later[] =
    "UPDATE notification SET attempts = attempts + 1, last_error = ?3,"
    " next_attempt_at = ?2 WHERE id = ?1";
static const char s_sql_retry[] =
    "UPDATE notification SET status = 'pending', next_attempt_at = ?2,"
    " last_error = last_error WHERE id = ?1 AND status = 'failed'";
static const char s_sql_counts[] =
    "SELECT status, count(*) FROM notification GROUP BY status";
static const char s_sql_list[] =
    "SELECT id, key, recipient, subject, status, attempts, created_at,"
    " next_attempt_at, sent_at, last_error, urgent, message_id"
    " FROM notification"
    " WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2";

/* The JSON text of n inline parts (see outbox_row_t), or NULL for none. */
static char *s_parts_json(const mime_part_t *parts, size_t n)
{
    if (n == 0)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        size_t len = sodium_base64_encoded_len(parts[i].len,
                                               sodium_base64_VARIANT_ORIGINAL);
        char *b64 = xmalloc(len);
        sodium_bin2base64(b64, len, parts[i].data, parts[i].len,
                          sodium_base64_VARIANT_ORIGINAL);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s?, s:s}", "cid",
                                           parts[i].cid, "content_type",
                                           parts[i].content_type, "filename",
                                           parts[i].filename, "base64", b64));
        free(b64);
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

int outbox_add(store_t *s, const outbox_note_t *n, int64_t now)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_add);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, n->key);
    store_bind_text(s, st, 2, n->to);
    store_bind_text(s, st, 3, n->to_name);
    store_bind_text(s, st, 4, n->subject);
    store_bind_text(s, st, 5, n->body);
    store_bind_int64(s, st, 6, n->urgent);
    store_bind_text(s, st, 7, n->to ? "pending" : "failed");
    store_bind_int64(s, st, 8, now);
    store_bind_text(s, st, 9,
                    n->to ? NULL
                          : "no address for this recipient in the "
                            "configuration");
    if (n->case_id)
        store_bind_int64(s, st, 10, n->case_id);
    if (n->referral_id)
        store_bind_int64(s, st, 11, n->referral_id);
    store_bind_text(s, st, 12, n->html);
    store_bind_text_free(s, st, 13, s_parts_json(n->parts, n->n_parts));
    if (store_step(s, st) != SQLITE_DONE)
        return -1;
    if (sqlite3_changes(store_db(s)) > 0)
        log_info("outbox: queued key=%s%s", n->key,
                 n->to ? "" : " status=failed reason=no-address");
    return 0;
}

/* Whether id is one of the n ids of skip. */
static bool s_skipped(int64_t id, const int64_t *skip, int n)
{
    for (int i = 0; i < n; i++)
        if (skip[i] == id)
            return true;
    return false;
}

int64_t outbox_next_due(store_t *s, const int64_t *skip, int n)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_next);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, n + 1);
    int64_t due = -1;
    int rc;
    while (due < 0 && (rc = store_step(s, st)) == SQLITE_ROW)
        if (!s_skipped(sqlite3_column_int64(st, 0), skip, n))
            due = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return due;
}

/* Copies the row st stands on into row. */
static void s_row(sqlite3_stmt *st, outbox_row_t *row)
{
    row->id = sqlite3_column_int64(st, 0);
    row->key = store_column_dup(st, 1);
    row->to = store_column_dup(st, 2);
    row->to_name = store_column_dup(st, 3);
    row->subject = store_column_dup(st, 4);
    row->body = store_column_dup(st, 5);
    row->urgent = sqlite3_column_int(st, 6) != 0;
    row->attempts = sqlite3_column_int(st, 7);
    row->created_at = sqlite3_column_int64(st, 8);
    row->message_id = store_column_dup(st, 9);
    row->html = store_column_dup(st, 10);
    row->parts = store_column_dup(st, 11);
}

int outbox_take_due(store_t *s, int64_t now, const int64_t *skip, int n,
                    outbox_row_t *row)
{
    memset(row, 0, sizeof *row);
    sqlite3_stmt *st = store_prepare(s, s_sql_take);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    store_bind_int64(s, st, 2, n + 1);
    int64_t id = -1;
    int rc;
    while (id < 0 && (rc = store_step(s, st)) == SQLITE_ROW)
        if (!s_skipped(sqlite3_column_int64(st, 0), skip, n))
            id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (id < 0)
        return rc == SQLITE_DONE ? 0 : -1;
    if (!(st = store_prepare(s, s_sql_row)))
        return -1;
    store_bind_int64(s, st, 1, id);
    rc = store_step(s, st);
    if (rc == SQLITE_ROW)
        s_row(st, row);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void outbox_row_clear(outbox_row_t *row)
{
    free(row->key);
    free(row->to);
    free(row->to_name);
    free(row->subject);
    free(row->body);
    free(row->message_id);
    free(row->html);
    free(row->parts);
    memset(row, 0, sizeof *row);
}

/* Runs one UPDATE of a row with (id, time, text). */
static int s_update(store_t *s, const char *sql, int64_t id, int64_t at,
                    const char *text)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, at);
    if (text)
        store_bind_text(s, st, 3, text);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

int outbox_defer(store_t *s, int64_t id, int64_t at)
{
    return s_update(s, s_sql_defer, id, at, NULL);
}

void outbox_message_id(const outbox_row_t *row, const char *from, char *buf,
                       size_t len)
{
    const char *at = from ? strchr(from, '@') : NULL;
    const char *domain = at && at[1] ? at + 1 : "regie";
    if (row->message_id) {
        snprintf(buf, len, "regie.%s@%s", row->message_id, domain);
        return;
    }
    /* A row queued before schema 4: the Message-ID it was tried with. */
    unsigned char h[crypto_generichash_BYTES_MIN];
    char hex[2 * sizeof h + 1];
    crypto_generichash(h, sizeof h, (const unsigned char *)row->key,
                       strlen(row->key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(buf, len, "regie.%s@%s", hex, domain);
}

int outbox_sent(store_t *s, int64_t id, int64_t now)
{
    return s_update(s, s_sql_sent, id, now, NULL);
}

int outbox_failed(store_t *s, int64_t id, int64_t now, const char *reason)
{
    return s_update(s, s_sql_failed, id, now, reason);
}

int outbox_retry_later(store_t *s, int64_t id, int64_t now, int64_t retry_at,
                       const char *reason)
{
    (void)now;
    return s_update(s, s_sql_later, id, retry_at, reason);
}

int outbox_retry(store_t *s, int64_t id, int64_t now)
{
    if (s_update(s, s_sql_retry, id, now, NULL) < 0)
        return -1;
    return sqlite3_changes(store_db(s)) > 0;
}

int outbox_counts(store_t *s, int64_t *pending, int64_t *sent, int64_t *failed)
{
    *pending = *sent = *failed = 0;
    sqlite3_stmt *st = store_prepare(s, s_sql_counts);
    if (!st)
        return -1;
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        if (strcmp(status, "pending") == 0)
            *pending = n;
        else if (strcmp(status, "sent") == 0)
            *sent = n;
        else
            *failed = n;
    }
    return rc == SQLITE_DONE ? 0 : -1;
}

json_t *outbox_list(store_t *s, const char *status, int limit)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_list);
    if (!st)
        return NULL;
    store_bind_text(s, st, 1, status);
    store_bind_int64(s, st, 2, limit > 0 ? limit : 100);
    json_t *rows = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "key", dbjson_text(st, 1));
        json_object_set_new(o, "to", dbjson_text(st, 2));
        json_object_set_new(o, "subject", dbjson_text(st, 3));
        json_object_set_new(o, "status", dbjson_text(st, 4));
        json_object_set_new(o, "attempts",
                            json_integer(sqlite3_column_int(st, 5)));
        json_object_set_new(o, "created_at", dbjson_time(st, 6));
        json_object_set_new(o, "next_attempt_at", dbjson_time(st, 7));
        json_object_set_new(o, "sent_at", dbjson_time(st, 8));
        json_object_set_new(o, "last_error", dbjson_text(st, 9));
        json_object_set_new(o, "urgent",
                            json_boolean(sqlite3_column_int(st, 10)));
        json_object_set_new(o, "message_id", dbjson_text(st, 11));
        json_array_append_new(rows, o);
    }
    if (rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

/*
 * cmdoutbox — the control commands of the outbox: outbox.list (what was
 * sent, what waits, what failed) and outbox.retry (a failed notification
 * back to pending). Main thread only.
 */
#include "cmdoutbox.h"

#include "mail/outbox.h"

#include <stdio.h>
#include <string.h>

#define CMDOUTBOX_LIMIT_DEFAULT 100
#define CMDOUTBOX_LIMIT_MAX 1000

static json_t *s_outbox_list(cmd_call_t *c)
{
    const char *status = cmd_str(c, "status");
    json_t *lv = json_object_get(c->args, "limit");
    json_int_t limit = lv ? json_integer_value(lv) : CMDOUTBOX_LIMIT_DEFAULT;
    if (status && strcmp(status, "pending") && strcmp(status, "sent") &&
        strcmp(status, "failed")) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "status must be pending, sent or failed");
        return NULL;
    }
    if (limit < 1 || limit > CMDOUTBOX_LIMIT_MAX) {
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST, "limit must be 1 to %d",
                    CMDOUTBOX_LIMIT_MAX);
        return NULL;
    }
    json_t *r = outbox_list(c->env->store, status, (int)limit);
    if (!r)
        problem_store(&c->out->pb);
    return r;
}

static json_t *s_outbox_retry(cmd_call_t *c)
{
    int64_t id;
    if (!cmd_ref(c, "id", "", &id))
        return NULL;
    int rc = outbox_retry(c->env->store, id, c->now);
    if (rc < 0)
        problem_store(&c->out->pb);
    else if (rc == 0)
        problem_set(&c->out->pb, PROBLEM_NOT_FOUND,
                    "there is no failed notification %lld", (long long)id);
    if (rc != 1)
        return NULL;
    snprintf(c->out->change, sizeof c->out->change, "retry notification=%lld",
             (long long)id);
    return json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "pending");
}

const cmd_t cmdoutbox_commands[] = {
    {"outbox.list",
     s_outbox_list,
     false,
     {{"status", 's', false}, {"limit", 'i', false}}},
    {"outbox.retry", s_outbox_retry, true, {{"id", 'r', true}}},
};
const size_t cmdoutbox_commands_n =
    sizeof cmdoutbox_commands / sizeof *cmdoutbox_commands;

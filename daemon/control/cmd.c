/*
 * cmd — what every control command shares: reading its arguments, and
 * the actor it names in the audit trail. Main thread only.
 */
#include "cmd.h"

#include "ref.h"

#include <stdio.h>

const char *cmd_str(const cmd_call_t *c, const char *name)
{
    return json_string_value(json_object_get(c->args, name));
}

bool cmd_bool(const cmd_call_t *c, const char *name)
{
    return json_is_true(json_object_get(c->args, name));
}

/* Reads reference argument name (0 when absent) with prefix into *id.
 * Returns false with pb set when it is not one. */
bool cmd_ref(cmd_call_t *c, const char *name, const char *prefix, int64_t *id)
{
    json_t *v = json_object_get(c->args, name);
    *id = 0;
    if (!v)
        return true;
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *id = json_integer_value(v);
        return true;
    }
    if (json_is_string(v) && ref_parse(json_string_value(v), prefix, id))
        return true;
    if (!*prefix)
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "%s must be a number, like 17", name);
    else
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "%s must be a reference like %s-000017, or its number",
                    name, prefix);
    return false;
}

const char *cmd_actor(const cmd_call_t *c, char *buf, size_t len)
{
    snprintf(buf, len, "user:%s", c->user ? c->user : "?");
    return buf;
}

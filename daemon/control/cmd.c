/*
 * cmd — what every control command shares: checking and reading its
 * arguments, and the actor it names in the audit trail. Main thread
 * only.
 */
#include "cmd.h"

#include "ref.h"

#include <stdio.h>
#include <string.h>

static const char *s_type_name(char type)
{
    return type == 's'   ? "a string"
           : type == 'b' ? "true or false"
           : type == 'i' ? "an integer"
           : type == 'a' ? "an array"
           : type == 'o' ? "an object"
                         : "a reference (a string or a number)";
}

static bool s_type_ok(char type, const json_t *v)
{
    return type == 's'   ? json_is_string(v)
           : type == 'b' ? json_is_boolean(v)
           : type == 'i' ? json_is_integer(v)
           : type == 'a' ? json_is_array(v)
           : type == 'o' ? json_is_object(v)
                         : json_is_string(v) || json_is_integer(v);
}

/* The table entry of argument key of cmd, or NULL. */
static const cmd_arg_t *s_arg(const cmd_t *cmd, const char *key)
{
    for (const cmd_arg_t *a = cmd->args; a < cmd->args + CMD_ARGS_MAX; a++)
        if (a->name && strcmp(a->name, key) == 0)
            return a;
    return NULL;
}

bool cmd_args_ok(const cmd_t *cmd, json_t *args, problem_t *pb)
{
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v)
    {
        const cmd_arg_t *a = s_arg(cmd, key);
        if (!a) {
            problem_set(pb, PROBLEM_BAD_REQUEST, "%s takes no argument '%.40s'",
                        cmd->name, key);
            return false;
        }
        if (!s_type_ok(a->type, v)) {
            problem_set(pb, PROBLEM_BAD_REQUEST, "%s: %s must be %s", cmd->name,
                        a->name, s_type_name(a->type));
            return false;
        }
    }
    for (const cmd_arg_t *a = cmd->args; a < cmd->args + CMD_ARGS_MAX; a++)
        if (a->name && a->required && !json_object_get(args, a->name)) {
            problem_set(pb, PROBLEM_BAD_REQUEST,
                        "%s: the argument %s is required", cmd->name, a->name);
            return false;
        }
    return true;
}

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

/*
 * impline — a line of an import and the commands it runs (see
 * impline.h). Main thread only.
 */
#include "impline.h"

#include "cases/regisseur.h"
#include "cmdagree.h"
#include "cmdcase.h"

#include <assert.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The entry of name in table cmds (n entries); a programmer error when
 * there is none. */
static const cmd_t *s_find(const cmd_t *cmds, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    assert(!"an import runs a command that does not exist");
    return NULL;
}

void impline_batch_init(impline_batch_t *b, cmd_call_t *c, bool notify)
{
    memset(b, 0, sizeof *b);
    b->c = c;
    b->env = *c->env;
    if (!notify)
        b->env.notify = NULL;
    b->make = s_find(cmdagree_commands, cmdagree_commands_n, "agreement.make");
    b->assign = s_find(cmdcase_commands, cmdcase_commands_n, "case.assign");
    b->type = s_find(cmdcase_commands, cmdcase_commands_n, "case.type");
}

void impline_batch_clear(impline_batch_t *b)
{
    sodium_memzero(&b->last, sizeof b->last);
}

bool impline_regisseur(impline_t *l, const char *email, int64_t *id)
{
    impline_batch_t *b = l->b;
    if (b->by_email.email[0] && strcasecmp(b->by_email.email, email) == 0) {
        *id = b->by_email.id;
        return true;
    }
    int rc = regisseur_by_email(b->env.store, email, id);
    if (rc < 0) {
        problem_store(&l->pb);
        return false;
    }
    if (rc == 0)
        return impline_refuse(l, PROBLEM_NOT_FOUND,
                              "no active regisseur has the email %.100s",
                              email);
    if (strlen(email) < sizeof b->by_email.email) {
        snprintf(b->by_email.email, sizeof b->by_email.email, "%s", email);
        b->by_email.id = *id;
    }
    return true;
}

json_t *impline_run(impline_t *l, const cmd_t *cmd, json_t *args)
{
    cmd_out_t out;
    memset(&out, 0, sizeof out);
    cmd_call_t sub = {&l->b->env, args, &out, l->b->c->now, l->b->c->user};
    json_t *r = cmd_args_ok(cmd, args, &out.pb) ? cmd->fn(&sub) : NULL;
    if (!r)
        l->pb = out.pb;
    return r;
}

bool impline_refuse(impline_t *l, problem_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    l->pb.code = code ? code : PROBLEM_BAD_REQUEST;
    vsnprintf(l->pb.message, sizeof l->pb.message, fmt, ap);
    va_end(ap);
    return false;
}

const char *impline_actor(const impline_t *l, char *buf, size_t len)
{
    return cmd_actor(l->b->c, buf, len);
}

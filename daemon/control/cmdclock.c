/*
 * cmdclock — the control commands of the daemon itself: ping (its
 * version and its now), and the test clock, clock.set and clock.advance
 * (only when regied runs with --test-clock). Main thread only.
 */
#include "cmdclock.h"

#include "cal.h"
#include "clock.h"
#include "mon/mon.h"
#include "ref.h"

#include <stdio.h>

#define S_ADVANCE_MAX 3155760000LL /* seconds of one clock.advance */

static json_t *s_bad(cmd_call_t *c, const char *msg)
{
    problem_set(&c->out->pb, PROBLEM_BAD_REQUEST, "%s", msg);
    return NULL;
}

static json_t *s_ping(cmd_call_t *c)
{
    return json_pack("{s:s, s:o}", "version", REGIE_VERSION, "now",
                     ref_time_json(c->now));
}

/* The clock's reply: {now}. */
static json_t *s_now(void)
{
    char buf[40];
    return json_pack("{s:s}", "now", ref_time(buf, sizeof buf, clock_now()));
}

static bool s_clock_allowed(cmd_call_t *c)
{
    if (!clock_setting_allowed())
        problem_set(&c->out->pb, PROBLEM_BAD_REQUEST,
                    "the clock can only be set when regied runs with "
                    "--test-clock");
    return clock_setting_allowed();
}

static json_t *s_clock_set(cmd_call_t *c)
{
    int64_t at;
    if (!s_clock_allowed(c))
        return NULL;
    if (cal_parse(cmd_str(c, "at"), &at) < 0)
        return s_bad(c, "at must be RFC 3339 or \"2026-12-01 09:00\"");
    clock_set(at);
    if (c->env->mon)
        mon_set_cfg(c->env->mon, c->env->cfg);
    snprintf(c->out->change, sizeof c->out->change, "clock set at=%lld",
             (long long)at);
    return s_now();
}

static json_t *s_clock_advance(cmd_call_t *c)
{
    json_t *v = json_object_get(c->args, "seconds");
    if (!s_clock_allowed(c))
        return NULL;
    if (json_integer_value(v) < 0)
        return s_bad(c, "seconds must be 0 or more: time does not go back");
    if (json_integer_value(v) > S_ADVANCE_MAX) /* ms would overflow */
        return s_bad(c, "seconds must be at most 3155760000 (100 years)");
    clock_advance(json_integer_value(v));
    if (c->env->mon)
        mon_set_cfg(c->env->mon, c->env->cfg);
    snprintf(c->out->change, sizeof c->out->change,
             "clock advanced seconds=%lld", (long long)json_integer_value(v));
    return s_now();
}

const cmd_t cmdclock_commands[] = {
    {"ping", s_ping, false, {{0}}},
    {"clock.set", s_clock_set, false, {{"at", 's', true}}},
    {"clock.advance", s_clock_advance, false, {{"seconds", 'i', true}}},
};
const size_t cmdclock_commands_n =
    sizeof cmdclock_commands / sizeof *cmdclock_commands;

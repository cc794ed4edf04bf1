/*
 * ladder — step times and the plan of one occurrence (see ladder.h).
 */
#include "ladder.h"

#include "cal.h"

int64_t ladder_step_time(const cfg_policy_t *p, int64_t due, size_t i)
{
    int off = p->steps[i].offset;
    if (off == 0)
        return due;
    return p->working_days ? cal_add_working_days(due, off)
                           : cal_add_days(due, off);
}

int64_t ladder_next_due(int64_t due, int period_days)
{
    return period_days > 0 ? cal_add_days(due, period_days) : -1;
}

int ladder_sent_step(const cfg_policy_t *p, const ladder_plan_t *plan)
{
    if (plan->send == LADDER_REPEAT)
        return (int)p->steps_n - 1;
    return plan->send;
}

int ladder_resume_step(const cfg_policy_t *p, int64_t due, int64_t now)
{
    int step = 0;
    while ((size_t)step < p->steps_n &&
           ladder_step_time(p, due, (size_t)step) <= now)
        step++;
    return step;
}

/* The time of repeat k (1, 2, ...) of the last level. */
static int64_t s_repeat_time(const cfg_policy_t *p, int64_t due, int k)
{
    int64_t last = ladder_step_time(p, due, p->steps_n - 1);
    return cal_add_days(last, k * p->repeat_days);
}

static int64_t s_min(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

void ladder_plan(const cfg_policy_t *p, int64_t due, int period_days, int step,
                 int repeats, int64_t now, ladder_plan_t *out)
{
    *out = (ladder_plan_t){
        .send = -1, .step = step, .repeats = repeats, .next_at = -1};
    /* The latest step that fell due; earlier ones are passed over. */
    for (size_t i = (size_t)step; i < p->steps_n; i++)
        if (ladder_step_time(p, due, i) <= now) {
            out->send = (int)i;
            out->step = (int)i + 1;
        }
    if (out->step >= (int)p->steps_n && p->repeat_days > 0 && out->send < 0) {
        int k = repeats;
        while (s_repeat_time(p, due, k + 1) <= now)
            k++;
        if (k > repeats) {
            out->send = LADDER_REPEAT;
            out->repeat = k;
            out->repeats = k;
        }
    }
    if (out->step < (int)p->steps_n)
        out->next_at = ladder_step_time(p, due, (size_t)out->step);
    else if (p->repeat_days > 0)
        out->next_at = s_repeat_time(p, due, out->repeats + 1);
    out->next_at = s_min(out->next_at, ladder_next_due(due, period_days));
}

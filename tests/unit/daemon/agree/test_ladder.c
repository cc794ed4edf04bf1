/*
 * Unit tests of ladder: when the steps of a policy fall (local days and
 * working days, across the daylight-saving changes of Europe/Amsterdam),
 * which step is due at a given time, the repeats of the last level, when
 * to look again, and the next occurrence of a recurring agreement. Every
 * time is passed explicitly; the expected times are written out as
 * seconds since the epoch (checked with date(1)), not computed.
 */
#include "agree/ladder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#define HOUR 3600
#define DAY 86400

/* Local times in Europe/Amsterdam (CEST +02:00 until 2026-10-25 03:00,
 * CET +01:00 after). */
#define TUE_20_OCT_0900 1792479600 /* 2026-10-20 09:00 +02:00 */
#define WED_21_OCT_0900 1792566000 /* 2026-10-21 09:00 +02:00 */
#define FRI_23_OCT_0900 1792738800 /* 2026-10-23 09:00 +02:00 */
#define SAT_24_OCT_0900 1792825200 /* 2026-10-24 09:00 +02:00 */
#define MON_26_OCT_0900 1793001600 /* 2026-10-26 09:00 +01:00 */
#define TUE_27_OCT_0900 1793088000 /* 2026-10-27 09:00 +01:00 */
#define WED_28_OCT_0900 1793174400 /* 2026-10-28 09:00 +01:00 */
#define FRI_30_OCT_0900 1793347200 /* 2026-10-30 09:00 +01:00 */
#define SAT_31_OCT_0900 1793433600 /* 2026-10-31 09:00 +01:00 */
#define MON_02_NOV_0900 1793606400 /* 2026-11-02 09:00 +01:00 */
#define MON_09_NOV_0900 1794211200 /* 2026-11-09 09:00 +01:00 */
#define TUE_10_NOV_0900 1794297600 /* 2026-11-10 09:00 +01:00 */
#define MON_16_NOV_0900 1794816000 /* 2026-11-16 09:00 +01:00 */
#define MON_23_NOV_0900 1795420800 /* 2026-11-23 09:00 +01:00 */
#define FRI_26_MAR_0900 1806048000 /* 2027-03-26 09:00 +01:00 */
#define MON_29_MAR_0900 1806303600 /* 2027-03-29 09:00 +02:00 */

/* DESIGN's default for progress reports: the owner 3 days before and on
 * the due day, the kernteam 2 days after, the gemeente 7 days after. */
static cfg_step_t s_progress_steps[] = {
    {.offset = -3, .level = 0, .to_owner = true},
    {.offset = 0, .level = 0, .to_owner = true},
    {.offset = 2, .level = 1, .to_owner = true, .to_kernteam = true},
    {.offset = 7, .level = 2, .to_owner = true, .to_gemeente = true},
};
static const cfg_policy_t s_progress = {
    .name = "progress", .steps = s_progress_steps, .steps_n = 4};
/* The same, with the last level again every week. */
static const cfg_policy_t s_repeating = {.name = "repeating",
                                         .steps = s_progress_steps,
                                         .steps_n = 4,
                                         .repeat_days = 7};
/* Offsets in working days. */
static cfg_step_t s_working_steps[] = {
    {.offset = -3, .level = 0},
    {.offset = 0, .level = 0},
    {.offset = 2, .level = 1},
};
static const cfg_policy_t s_working = {.name = "working",
                                       .steps = s_working_steps,
                                       .steps_n = 3,
                                       .working_days = true};

static void test_reminder_three_days_before_due(void **state)
{
    /* Due on the Monday after the clocks went back: the reminder is the
     * Friday before at the same local time, 3 days and 1 hour earlier. */
    assert_int_equal(ladder_step_time(&s_progress, MON_26_OCT_0900, 0),
                     FRI_23_OCT_0900);
    assert_int_equal(MON_26_OCT_0900 - FRI_23_OCT_0900, 3 * DAY + HOUR);
}

static void test_reminder_on_the_due_day_is_the_due_time(void **state)
{
    assert_int_equal(ladder_step_time(&s_progress, MON_26_OCT_0900, 1),
                     MON_26_OCT_0900);
}

static void test_escalations_fall_days_after_due(void **state)
{
    assert_int_equal(ladder_step_time(&s_progress, MON_26_OCT_0900, 2),
                     WED_28_OCT_0900);
    assert_int_equal(ladder_step_time(&s_progress, MON_26_OCT_0900, 3),
                     MON_02_NOV_0900);
}

static void test_escalation_levels_in_order(void **state)
{
    /* Looking at each step's time in turn sends each step once, in
     * order, with its level, and says when the next one falls. */
    static const int64_t at[] = {FRI_23_OCT_0900, MON_26_OCT_0900,
                                 WED_28_OCT_0900, MON_02_NOV_0900};
    static const int64_t next[] = {MON_26_OCT_0900, WED_28_OCT_0900,
                                   MON_02_NOV_0900, -1};
    static const int level[] = {0, 0, 1, 2};
    int step = 0;
    for (int i = 0; i < 4; i++) {
        ladder_plan_t plan;
        ladder_plan(&s_progress, MON_26_OCT_0900, 0, step, 0, at[i], &plan);
        assert_int_equal(plan.send, i);
        assert_int_equal(plan.step, i + 1);
        assert_int_equal(plan.repeats, 0);
        assert_int_equal(plan.next_at, next[i]);
        int sent = ladder_sent_step(&s_progress, &plan);
        assert_int_equal(sent, i);
        assert_int_equal(s_progress.steps[sent].level, level[i]);
        step = plan.step;
    }
}

static void test_nothing_is_sent_before_the_first_reminder(void **state)
{
    ladder_plan_t plan;
    ladder_plan(&s_progress, MON_26_OCT_0900, 0, 0, 0, FRI_23_OCT_0900 - 1,
                &plan);
    assert_int_equal(plan.send, -1);
    assert_int_equal(plan.step, 0);
    assert_int_equal(plan.repeats, 0);
    assert_int_equal(plan.next_at, FRI_23_OCT_0900);
    assert_int_equal(ladder_sent_step(&s_progress, &plan), -1);
}

static void test_a_late_look_sends_only_the_latest_step(void **state)
{
    /* A daemon that was down from before the first reminder until after
     * the last escalation sends the gemeente's, once, and no other. */
    ladder_plan_t plan;
    ladder_plan(&s_progress, MON_26_OCT_0900, 0, 0, 0, MON_02_NOV_0900 + HOUR,
                &plan);
    assert_int_equal(plan.send, 3);
    assert_int_equal(plan.step, 4);
    assert_int_equal(plan.next_at, -1);
}

static void test_steps_taken_are_not_sent_again(void **state)
{
    ladder_plan_t plan;
    ladder_plan(&s_progress, MON_26_OCT_0900, 0, 3, 0, WED_28_OCT_0900 + HOUR,
                &plan);
    assert_int_equal(plan.send, -1);
    assert_int_equal(plan.step, 3);
    assert_int_equal(plan.next_at, MON_02_NOV_0900);
}

static void test_a_ladder_past_its_last_step_is_done(void **state)
{
    ladder_plan_t plan;
    ladder_plan(&s_progress, MON_26_OCT_0900, 0, 4, 0, MON_23_NOV_0900, &plan);
    assert_int_equal(plan.send, -1);
    assert_int_equal(plan.step, 4);
    assert_int_equal(plan.repeats, 0);
    assert_int_equal(plan.next_at, -1);
}

static void test_last_level_repeats_every_repeat_days(void **state)
{
    ladder_plan_t plan;
    /* The last step itself is not a repeat. */
    ladder_plan(&s_repeating, MON_26_OCT_0900, 0, 3, 0, MON_02_NOV_0900, &plan);
    assert_int_equal(plan.send, 3);
    assert_int_equal(plan.repeats, 0);
    assert_int_equal(plan.next_at, MON_09_NOV_0900);
    /* A week later: the first repeat. */
    ladder_plan(&s_repeating, MON_26_OCT_0900, 0, 4, 0, MON_09_NOV_0900, &plan);
    assert_int_equal(plan.send, LADDER_REPEAT);
    assert_int_equal(plan.repeat, 1);
    assert_int_equal(plan.repeats, 1);
    assert_int_equal(plan.step, 4);
    assert_int_equal(plan.next_at, MON_16_NOV_0900);
    assert_int_equal(ladder_sent_step(&s_repeating, &plan), 3);
    /* Nothing more until the next week. */
    ladder_plan(&s_repeating, MON_26_OCT_0900, 0, 4, 1, MON_16_NOV_0900 - 1,
                &plan);
    assert_int_equal(plan.send, -1);
    assert_int_equal(plan.repeats, 1);
    assert_int_equal(plan.next_at, MON_16_NOV_0900);
}

static void test_missed_repeats_are_sent_once_as_the_latest(void **state)
{
    ladder_plan_t plan;
    ladder_plan(&s_repeating, MON_26_OCT_0900, 0, 4, 0, MON_16_NOV_0900 + HOUR,
                &plan);
    assert_int_equal(plan.send, LADDER_REPEAT);
    assert_int_equal(plan.repeat, 2);
    assert_int_equal(plan.repeats, 2);
    assert_int_equal(plan.next_at, MON_23_NOV_0900);
}

static void test_due_date_keeps_local_time_across_dst(void **state)
{
    /* 21 days after a Tuesday at 09:00 summer time is a Tuesday at 09:00
     * winter time: 21 days and 1 hour later. */
    assert_int_equal(ladder_next_due(TUE_20_OCT_0900, 21), TUE_10_NOV_0900);
    assert_int_equal(TUE_10_NOV_0900 - TUE_20_OCT_0900, 21 * DAY + HOUR);
    /* And in spring, 3 days over the change: 1 hour less. */
    assert_int_equal(ladder_next_due(FRI_26_MAR_0900, 3), MON_29_MAR_0900);
    assert_int_equal(MON_29_MAR_0900 - FRI_26_MAR_0900, 3 * DAY - HOUR);
}

static void test_one_off_has_no_next_due(void **state)
{
    assert_int_equal(ladder_next_due(MON_26_OCT_0900, 0), -1);
    assert_int_equal(ladder_next_due(MON_26_OCT_0900, -7), -1);
}

static void test_recurring_ladder_looks_again_at_the_next_due(void **state)
{
    /* Every 21 days: once the ladder is done, the next occurrence (due
     * 2026-11-16) is when to look again. */
    ladder_plan_t plan;
    ladder_plan(&s_progress, MON_26_OCT_0900, 21, 0, 0, MON_02_NOV_0900 + HOUR,
                &plan);
    assert_int_equal(plan.send, 3);
    assert_int_equal(plan.next_at, MON_16_NOV_0900);
}

static void test_next_due_before_the_next_step_comes_first(void **state)
{
    /* A daily agreement rolls before its first escalation falls. */
    ladder_plan_t plan;
    ladder_plan(&s_progress, MON_26_OCT_0900, 1, 0, 0, MON_26_OCT_0900, &plan);
    assert_int_equal(plan.send, 1);
    assert_int_equal(plan.step, 2);
    assert_int_equal(plan.next_at, TUE_27_OCT_0900);
}

static void test_working_days_skip_weekend(void **state)
{
    /* Due Monday: 3 working days before is the Wednesday before, 2 after
     * the Wednesday after. */
    assert_int_equal(ladder_step_time(&s_working, MON_26_OCT_0900, 0),
                     WED_21_OCT_0900);
    assert_int_equal(ladder_step_time(&s_working, MON_26_OCT_0900, 2),
                     WED_28_OCT_0900);
    /* Due Friday: 2 working days after is Tuesday, not Sunday. */
    assert_int_equal(ladder_step_time(&s_working, FRI_23_OCT_0900, 2),
                     TUE_27_OCT_0900);
    /* The due-day step is the due time, even on a Saturday. */
    assert_int_equal(ladder_step_time(&s_working, SAT_24_OCT_0900, 1),
                     SAT_24_OCT_0900);
}

static void test_extension_resumes_after_the_steps_already_past(void **state)
{
    /* Extended on Friday 30 October until Monday 2 November: the
     * reminder 3 days before (that Friday 09:00) is past; the ladder
     * starts again at the due-day reminder. */
    assert_int_equal(
        ladder_resume_step(&s_progress, MON_02_NOV_0900, FRI_30_OCT_0900), 1);
    assert_int_equal(
        ladder_resume_step(&s_progress, MON_02_NOV_0900, FRI_30_OCT_0900 - 1),
        0);
    assert_int_equal(
        ladder_resume_step(&s_progress, MON_02_NOV_0900, SAT_31_OCT_0900), 1);
    /* Extended to a time long past: nothing is left to send. */
    assert_int_equal(
        ladder_resume_step(&s_progress, MON_26_OCT_0900, MON_23_NOV_0900), 4);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reminder_three_days_before_due),
        cmocka_unit_test(test_reminder_on_the_due_day_is_the_due_time),
        cmocka_unit_test(test_escalations_fall_days_after_due),
        cmocka_unit_test(test_escalation_levels_in_order),
        cmocka_unit_test(test_nothing_is_sent_before_the_first_reminder),
        cmocka_unit_test(test_a_late_look_sends_only_the_latest_step),
        cmocka_unit_test(test_steps_taken_are_not_sent_again),
        cmocka_unit_test(test_a_ladder_past_its_last_step_is_done),
        cmocka_unit_test(test_last_level_repeats_every_repeat_days),
        cmocka_unit_test(test_missed_repeats_are_sent_once_as_the_latest),
        cmocka_unit_test(test_due_date_keeps_local_time_across_dst),
        cmocka_unit_test(test_one_off_has_no_next_due),
        cmocka_unit_test(test_recurring_ladder_looks_again_at_the_next_due),
        cmocka_unit_test(test_next_due_before_the_next_step_comes_first),
        cmocka_unit_test(test_working_days_skip_weekend),
        cmocka_unit_test(test_extension_resumes_after_the_steps_already_past),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

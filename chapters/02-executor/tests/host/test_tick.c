// Exercise 2.3: the tick future, against a clock the test controls.
#include <criterion/criterion.h>

#include "tally.h"
#include "testing.h"
#include "tick.h"

TestSuite(tick, .timeout = 10);

static uint64_t clock_now;
static uint64_t fake_now(void) { return clock_now; }

// A clock that moves on by itself a little at every reading.
static uint64_t step;
static uint64_t running_now(void) { return clock_now += step; }

Test(tick, ready_exactly_when_the_clock_reaches_the_target)
{
    for (int trial = 0; trial < 50; trial++) {
        clock_now = (uint64_t)test_random_range(0, 1000000);
        uint64_t wait = (uint64_t)test_random_range(1, 50);
        struct tick_wait t;
        tick_wait_init(&t, fake_now, clock_now + wait);
        struct waker w = tally_waker();
        struct context cx = {&w};
        for (uint64_t i = 0; i < wait; i++) {
            ASSERT_EQ(future_poll(&t.base, &cx), POLL_PENDING, "%llu ticks early",
                      (unsigned long long)(wait - i));
            clock_now++;
        }
        ASSERT_EQ(future_poll(&t.base, &cx), POLL_READY);
        ASSERT_EQ(t.polls, wait + 1);
        ASSERT_EQ(tally_counts()->wake_by_refs, wait, "each pending poll asks to be polled again");
    }
}

Test(tick, a_target_in_the_past_is_ready_at_once)
{
    clock_now = (uint64_t)test_random_range(100, 100000);
    struct tick_wait t;
    tick_wait_init(&t, fake_now, clock_now - (uint64_t)test_random_range(0, 99));
    struct waker w = waker_noop();
    struct context cx = {&w};
    ASSERT_EQ(future_poll(&t.base, &cx), POLL_READY);
    ASSERT_EQ(t.polls, 1);
}

Test(tick, counts_every_poll_while_the_clock_runs)
{
    clock_now = 0;
    step = (uint64_t)test_random_range(1, 7);
    uint64_t target = (uint64_t)test_random_range(10, 500);
    struct tick_wait t;
    tick_wait_init(&t, running_now, target);
    struct waker w = waker_noop();
    struct context cx = {&w};
    unsigned long polls = 1;
    while (future_poll(&t.base, &cx) == POLL_PENDING)
        polls++;
    ASSERT_EQ(t.polls, polls);
    ASSERT_EQ(polls, (target + step - 1) / step, "target %llu step %llu",
              (unsigned long long)target, (unsigned long long)step);
}

// Exercise 1.1: the countdown's poll. Pending exactly N times, waking its
// waker by reference each time, then ready with its value.
#include <criterion/criterion.h>

#include "countdown.h"
#include "tally.h"
#include "testing.h"

TestSuite(countdown, .timeout = 10);

Test(countdown, pending_exactly_n_times)
{
    for (int trial = 0; trial < 50; trial++) {
        unsigned n = (unsigned)test_random_range(0, 40);
        int value = (int)test_random_range(-100000, 100000);
        struct waker w = tally_waker();
        struct context cx = {&w};
        struct countdown c;
        countdown_init(&c, n, value);
        unsigned pending = 0;
        while (future_poll(&c.base, &cx) == POLL_PENDING) {
            pending++;
            cr_assert_leq(pending, n, "countdown(%u) is still pending after %u polls", n, pending);
        }
        ASSERT_EQ(pending, n, "countdown(%u) was pending %u times", n, pending);
        ASSERT_EQ(c.output, value, "countdown(%u, %d) ready with %d", n, value, c.output);
        ASSERT_EQ(c.polls, n + 1);
    }
}

Test(countdown, wakes_once_per_pending)
{
    for (int trial = 0; trial < 50; trial++) {
        unsigned n = (unsigned)test_random_range(0, 40);
        struct waker w = tally_waker();
        struct context cx = {&w};
        const struct tally *t = tally_counts();
        struct countdown c;
        countdown_init(&c, n, 7);
        for (unsigned i = 0; i <= n; i++) {
            unsigned long before = t->wake_by_refs;
            enum poll result = future_poll(&c.base, &cx);
            ASSERT_EQ(result, i < n ? POLL_PENDING : POLL_READY, "poll %u of countdown(%u)",
                         i + 1, n);
            ASSERT_EQ(t->wake_by_refs - before, result == POLL_PENDING ? 1u : 0u,
                         "poll %u of countdown(%u) returned %s and woke %lu times", i + 1, n,
                         result == POLL_PENDING ? "pending" : "ready", t->wake_by_refs - before);
        }
        ASSERT_EQ(t->wake_by_refs, n);
        ASSERT_EQ(t->clones + t->wakes + t->drops, 0,
                     "the waker is only borrowed: wake_by_ref is all a yield needs");
    }
}

Test(countdown, ready_at_once_without_a_wake)
{
    int value = (int)test_random_range(1, 1000);
    struct waker w = tally_waker();
    struct context cx = {&w};
    struct countdown c;
    countdown_init(&c, 0, value);
    ASSERT_EQ(future_poll(&c.base, &cx), POLL_READY);
    ASSERT_EQ(c.output, value);
    ASSERT_EQ(tally_counts()->wake_by_refs, 0, "a ready future has nothing to be woken for");
}

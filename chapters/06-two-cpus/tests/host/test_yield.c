// Exercise 2.4: yield_now, pending once (waking itself), then ready.
#include <criterion/criterion.h>

#include "tally.h"
#include "testing.h"
#include "yield.h"

TestSuite(yield, .timeout = 10);

Test(yield, pending_once_then_ready)
{
    struct yield_now y;
    yield_now_init(&y);
    struct waker w = tally_waker();
    struct context cx = {&w};
    const struct tally *t = tally_counts();
    ASSERT_EQ(future_poll(&y.base, &cx), POLL_PENDING);
    ASSERT_EQ(t->wake_by_refs, 1, "a yield wakes itself by reference");
    ASSERT_EQ(t->wakes, 0, "and does not consume the borrowed waker");
    ASSERT_EQ(future_poll(&y.base, &cx), POLL_READY);
    ASSERT_EQ(t->wake_by_refs, 1);
}

// A chain of yields, each a fresh future: every one yields exactly once.
Test(yield, each_fresh_yield_yields_once)
{
    int n = (int)test_random_range(1, 100);
    struct waker w = tally_waker();
    struct context cx = {&w};
    const struct tally *t = tally_counts();
    int pending = 0;
    for (int i = 0; i < n; i++) {
        struct yield_now y;
        yield_now_init(&y);
        while (future_poll(&y.base, &cx) == POLL_PENDING)
            pending++;
    }
    ASSERT_EQ(pending, n);
    ASSERT_EQ(t->wake_by_refs, (unsigned long)n);
}

// Exercise 2.4: yield_now, pending once (waking itself), then ready.
#include <criterion/criterion.h>

#include "testing.h"
#include "yield.h"

TestSuite(yield, .timeout = 10);

static unsigned long wakes, by_ref;
static void wake(const void *d)
{
    (void)d;
    wakes++;
}
static void wake_by_ref(const void *d)
{
    (void)d;
    by_ref++;
}
static void drop(const void *d) { (void)d; }
static struct waker clone(const void *d);
static const struct waker_vtable counting = {clone, wake, wake_by_ref, drop};
static struct waker clone(const void *d) { return (struct waker){d, &counting}; }

Test(yield, pending_once_then_ready)
{
    struct yield_now y;
    yield_now_init(&y);
    struct waker w = {NULL, &counting};
    struct context cx = {&w};
    by_ref = wakes = 0;
    ASSERT_EQ(future_poll(&y.base, &cx), POLL_PENDING);
    ASSERT_EQ(by_ref, 1, "a yield wakes itself by reference");
    ASSERT_EQ(wakes, 0, "and does not consume the borrowed waker");
    ASSERT_EQ(future_poll(&y.base, &cx), POLL_READY);
    ASSERT_EQ(by_ref, 1);
}

// A chain of yields, each a fresh future: every one yields exactly once.
Test(yield, each_fresh_yield_yields_once)
{
    int n = (int)test_random_range(1, 100);
    struct waker w = {NULL, &counting};
    struct context cx = {&w};
    by_ref = 0;
    int pending = 0;
    for (int i = 0; i < n; i++) {
        struct yield_now y;
        yield_now_init(&y);
        while (future_poll(&y.base, &cx) == POLL_PENDING)
            pending++;
    }
    ASSERT_EQ(pending, n);
    ASSERT_EQ(by_ref, (unsigned long)n);
}

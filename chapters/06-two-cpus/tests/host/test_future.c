// The core of future.h: ready futures, the poll-after-ready and move checks
// (chapter 01's contract, carried here with future.c), the waker helpers and
// the waker that does nothing.
#include <criterion/criterion.h>
#include <signal.h>

#include "future.h"
#include "ready.h"
#include "tally.h"
#include "testing.h"

TestSuite(future, .timeout = 10);

Test(future, ready_is_ready_at_once)
{
    for (int i = 0; i < 100; i++) {
        int value = (int)test_random_range(-1000000, 1000000);
        struct waker w = tally_waker();
        struct context cx = {&w};
        struct ready r;
        ready_init(&r, value);
        cr_assert(!future_is_done(&r.base));
        ASSERT_EQ(future_poll(&r.base, &cx), POLL_READY);
        ASSERT_EQ(r.output, value);
        cr_assert(future_is_done(&r.base));
        const struct tally *t = tally_counts();
        ASSERT_EQ(t->clones + t->wakes + t->wake_by_refs + t->drops, 0,
                  "a ready future has no reason to touch the waker");
    }
}

Test(future, poll_after_ready_is_caught, .signal = SIGABRT)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct ready r;
    ready_init(&r, 1);
    ASSERT_EQ(future_poll(&r.base, &cx), POLL_READY);
    future_poll(&r.base, &cx); // panics: polled after ready
}

// A future may point into itself once polled: moving it then is a bug that
// future_poll catches, while a copy made before the first poll is fine.
struct pending_once {
    struct future base;
    bool polled;
};

static enum poll pending_once_poll(struct future *f, struct context *cx)
{
    (void)cx;
    struct pending_once *self = CONTAINER_OF(f, struct pending_once, base);
    if (self->polled)
        return POLL_READY;
    self->polled = true;
    return POLL_PENDING;
}

Test(future, a_move_after_the_first_poll_is_caught)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct pending_once a = {.polled = false}, b;
    future_init(&a.base, pending_once_poll);
    b = a; // not polled yet: moving it is fine
    cr_assert(!future_was_moved(&b.base));
    ASSERT_EQ(future_poll(&b.base, &cx), POLL_PENDING);
    struct pending_once moved = b;
    cr_assert(future_was_moved(&moved.base));
    cr_assert(!future_was_moved(&b.base), "the original stays where it was polled");
    ASSERT_PANICS(future_poll(&moved.base, &cx), "moved after its first poll");
    ASSERT_EQ(future_poll(&b.base, &cx), POLL_READY, "the original goes on");
    cr_assert(future_is_done(&b.base));
}

Test(future, init_makes_a_fresh_future)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct ready r;
    ready_init(&r, 1);
    future_poll(&r.base, &cx);
    ready_init(&r, 2); // the same storage, a new future: may be polled again
    cr_assert(!future_is_done(&r.base));
    ASSERT_EQ(future_poll(&r.base, &cx), POLL_READY);
    ASSERT_EQ(r.output, 2);
}

Test(future, wake_and_drop_consume_the_waker)
{
    struct waker w = tally_waker();
    struct waker a = waker_clone(&w), b = waker_clone(&w);
    cr_assert(waker_will_wake(&a, &w));
    waker_wake(&a);
    waker_drop(&b);
    cr_assert_null(a.vtable, "a woken waker is zeroed so a second use crashes");
    cr_assert_null(b.vtable, "a dropped waker is zeroed so a second use crashes");
    const struct tally *t = tally_counts();
    ASSERT_EQ(t->clones, 2);
    ASSERT_EQ(t->wakes, 1);
    ASSERT_EQ(t->drops, 1);
    ASSERT_EQ(tally_outstanding(), 0);
}

Test(future, noop_waker_does_nothing)
{
    struct waker w = waker_noop();
    struct waker c = waker_clone(&w);
    cr_assert(waker_will_wake(&c, &w), "a clone wakes the same (nothing)");
    waker_wake_by_ref(&c);
    waker_wake(&c);
    c = waker_clone(&w);
    waker_drop(&c);
    struct waker t = tally_waker();
    cr_assert(!waker_will_wake(&w, &t), "different wakers wake different things");
}

// future_poll's contract checks are on in the kernel build too (-O2,
// freestanding), not only in the host tests.
#include "ktest.h"
#include "ready.h"

KTEST_PANICS(poll_after_ready_panics, "polled after it returned POLL_READY")
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct ready r;
    ready_init(&r, 42);
    future_poll(&r.base, &cx);
    future_poll(&r.base, &cx);
}

// Pending at its first poll, ready at the second: enough to be moved between.
struct twice {
    struct future base;
    bool polled;
};

static enum poll twice_poll(struct future *f, struct context *cx)
{
    struct twice *self = CONTAINER_OF(f, struct twice, base);
    if (self->polled)
        return POLL_READY;
    self->polled = true;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

KTEST_PANICS(moved_future_panics, "moved after its first poll")
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct twice original = {.polled = false};
    future_init(&original.base, twice_poll);
    future_poll(&original.base, &cx);
    struct twice moved = original;
    future_poll(&moved.base, &cx);
}

// The tick future: a busy wait, written as a future.
#include "tick.h"

static enum poll tick_wait_poll(struct future *f, struct context *cx)
{
    struct tick_wait *self = CONTAINER_OF(f, struct tick_wait, base);
    // exercise: 2.3 begin
    self->polls++;
    if (self->now() >= self->target)
        return POLL_READY;
    // Nothing will wake us when the tick comes: there is no list of timer
    // waiters yet. Asking to be polled again at once keeps the contract
    // ("pending means someone will wake me") honest, at the price of a busy wait.
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
    // exercise: 2.3 end
}

void tick_wait_init(struct tick_wait *t, uint64_t (*now)(void), uint64_t target)
{
    future_init(&t->base, tick_wait_poll);
    t->now = now;
    t->target = target;
    t->polls = 0;
}

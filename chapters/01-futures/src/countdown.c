// The countdown of countdown.h.
#include "countdown.h"

static enum poll countdown_poll(struct future *f, struct context *cx)
{
    struct countdown *self = CONTAINER_OF(f, struct countdown, base);
    self->polls++;
    // exercise: 1.1 begin
    if (self->remaining == 0) {
        self->output = self->value;
        return POLL_READY;
    }
    self->remaining--;
    // Without this wake, nobody would know to poll again: an executor that
    // sleeps until a wake would sleep forever.
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
    // exercise: 1.1 end
}

void countdown_init(struct countdown *c, unsigned pending, int value)
{
    future_init(&c->base, countdown_poll);
    c->remaining = pending;
    c->value = value;
    c->polls = 0;
    c->output = 0;
}

// yield_now, and talker: an async function that takes turns with others.
#include "yield.h"

#include "async.h"
#include "kprintf.h"

static enum poll yield_now_poll(struct future *f, struct context *cx)
{
    struct yield_now *self = CONTAINER_OF(f, struct yield_now, base);
    // exercise: 2.4 begin
    if (self->yielded)
        return POLL_READY;
    self->yielded = true;
    waker_wake_by_ref(cx->waker); // ready to go on: poll me again soon
    return POLL_PENDING;
    // exercise: 2.4 end
}

void yield_now_init(struct yield_now *y)
{
    future_init(&y->base, yield_now_poll);
    y->yielded = false;
}

static enum poll talker_poll(struct future *f, struct context *cx)
{
    struct talker *self = CONTAINER_OF(f, struct talker, base);
    ASYNC_BEGIN(self->resume);
    for (self->i = 1; self->i <= self->count; self->i++) {
        kprintf(" %s%d", self->name, self->i);
        yield_now_init(&self->yield);
        AWAIT(self->resume, &self->yield.base, cx);
    }
    ASYNC_END(self->resume);
}

void talker_init(struct talker *t, const char *name, int count)
{
    future_init(&t->base, talker_poll);
    t->resume = ASYNC_START;
    t->name = name;
    t->count = count;
    t->i = 0;
}

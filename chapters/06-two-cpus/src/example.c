// async_number and example_task of example.h.
#include "example.h"

#include "async.h"
#include "kprintf.h"

void async_number(struct ready *out) { ready_init(out, 42); }

static enum poll example_task_poll(struct future *f, struct context *cx)
{
    struct example_task *self = CONTAINER_OF(f, struct example_task, base);
    ASYNC_BEGIN(self->resume);
    async_number(&self->number);
    AWAIT(self->resume, &self->number.base, cx);
    kprintf("async number: %d\n", self->number.output);
    ASYNC_END(self->resume);
}

void example_task_init(struct example_task *t)
{
    future_init(&t->base, example_task_poll);
    t->resume = ASYNC_START;
}

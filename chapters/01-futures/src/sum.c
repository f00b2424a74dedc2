// sum(), the async function of sum.h, turned into a state machine twice.
#include "sum.h"

#include "async.h"
#include "panic.h"

// The two operations sum awaits: each "call" starts a future in storage the
// caller provides, as every async call in C must.
static void f_start(struct countdown *c, int x, unsigned wait) { countdown_init(c, wait, x); }

static void g_start(struct countdown *c, int a, unsigned wait) { countdown_init(c, wait, 2 * a); }

static enum poll sum_machine_poll(struct future *f, struct context *cx)
{
    struct sum_machine *self = CONTAINER_OF(f, struct sum_machine, base);
    switch (self->state) {
    case SUM_START:
        f_start(&self->sub.f, self->x, self->wait_f);
        self->state = SUM_AWAIT_F;
        // f may be ready at once: poll it now rather than return.
        // fall through
    case SUM_AWAIT_F:
        if (future_poll(&self->sub.f.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        self->a = self->sub.f.output; // save it: g takes f's place in the union
        g_start(&self->sub.g, self->a, self->wait_g);
        self->state = SUM_AWAIT_G;
        // fall through
    case SUM_AWAIT_G:
        if (future_poll(&self->sub.g.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        self->output = self->a + self->sub.g.output;
        self->state = SUM_DONE;
        return POLL_READY;
    case SUM_DONE: break;
    }
    panic("sum_machine polled in state %d", self->state);
}

void sum_machine_init(struct sum_machine *s, int x, unsigned wait_f, unsigned wait_g)
{
    future_init(&s->base, sum_machine_poll);
    s->state = SUM_START;
    s->x = x;
    s->wait_f = wait_f;
    s->wait_g = wait_g;
    s->a = 0;
    s->output = 0;
}

static enum poll sum_async_poll(struct future *f, struct context *cx)
{
    struct sum_async *self = CONTAINER_OF(f, struct sum_async, base);
    ASYNC_BEGIN(self->resume);
    f_start(&self->sub.f, self->x, self->wait_f);
    AWAIT(self->resume, &self->sub.f.base, cx);
    self->a = self->sub.f.output;
    g_start(&self->sub.g, self->a, self->wait_g);
    AWAIT(self->resume, &self->sub.g.base, cx);
    self->output = self->a + self->sub.g.output;
    ASYNC_END(self->resume);
}

void sum_async_init(struct sum_async *s, int x, unsigned wait_f, unsigned wait_g)
{
    future_init(&s->base, sum_async_poll);
    s->resume = ASYNC_START;
    s->x = x;
    s->wait_f = wait_f;
    s->wait_g = wait_g;
    s->a = 0;
    s->output = 0;
}

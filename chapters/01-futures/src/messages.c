// add_messages(), the async function of messages.h, by macro and by hand.
#include "messages.h"

#include "async.h"
#include "panic.h"

static enum poll messages_async_poll(struct future *f, struct context *cx)
{
    struct messages_async *self = CONTAINER_OF(f, struct messages_async, base);
    ASYNC_BEGIN(self->resume);
    mailbox_receive_init(&self->receive, self->box);
    AWAIT(self->resume, &self->receive.base, cx);
    self->a = self->receive.output;
    if (self->a > self->limit) {
        self->output = self->a;
        ASYNC_RETURN(self->resume);
    }
    mailbox_receive_init(&self->receive, self->box);
    AWAIT(self->resume, &self->receive.base, cx);
    self->output = self->a + self->receive.output;
    ASYNC_END(self->resume);
}

void messages_async_init(struct messages_async *m, struct mailbox *box, int limit)
{
    future_init(&m->base, messages_async_poll);
    m->resume = ASYNC_START;
    m->box = box;
    m->limit = limit;
    m->a = 0;
    m->output = 0;
}

static enum poll messages_machine_poll(struct future *f, struct context *cx)
{
    struct messages_machine *self = CONTAINER_OF(f, struct messages_machine, base);
    // exercise: 1.3 begin
    switch (self->state) {
    case MESSAGES_START:
        mailbox_receive_init(&self->receive, self->box);
        self->state = MESSAGES_AWAIT_FIRST;
        // fall through
    case MESSAGES_AWAIT_FIRST:
        if (future_poll(&self->receive.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        self->a = self->receive.output;
        if (self->a > self->limit) {
            self->output = self->a;
            self->state = MESSAGES_DONE;
            return POLL_READY;
        }
        mailbox_receive_init(&self->receive, self->box);
        self->state = MESSAGES_AWAIT_SECOND;
        // fall through
    case MESSAGES_AWAIT_SECOND:
        if (future_poll(&self->receive.base, cx) == POLL_PENDING)
            return POLL_PENDING;
        self->output = self->a + self->receive.output;
        self->state = MESSAGES_DONE;
        return POLL_READY;
    case MESSAGES_DONE: break;
    }
    // exercise: 1.3 end
    panic("messages_machine polled in state %d", self->state);
}

void messages_machine_init(struct messages_machine *m, struct mailbox *box, int limit)
{
    future_init(&m->base, messages_machine_poll);
    m->state = MESSAGES_START;
    m->box = box;
    m->limit = limit;
    m->a = 0;
    m->output = 0;
}

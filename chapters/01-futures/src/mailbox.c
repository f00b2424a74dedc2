// The mailbox of mailbox.h.
#include "mailbox.h"

void mailbox_init(struct mailbox *box) { *box = (struct mailbox){0}; }

bool mailbox_send(struct mailbox *box, int value)
{
    if (box->full)
        return false;
    box->value = value;
    box->full = true;
    if (box->has_waker) {
        // Mark the slot empty before waking: wake may run code that
        // polls the receiver again, which must not find a consumed waker.
        box->has_waker = false;
        struct waker w = box->waker;
        waker_wake(&w);
    }
    return true;
}

void mailbox_destroy(struct mailbox *box)
{
    if (box->has_waker) {
        box->has_waker = false;
        waker_drop(&box->waker);
    }
}

static enum poll mailbox_receive_poll(struct future *f, struct context *cx)
{
    struct mailbox_receive *self = CONTAINER_OF(f, struct mailbox_receive, base);
    struct mailbox *box = self->box;
    if (box->full) {
        box->full = false;
        self->output = box->value;
        return POLL_READY;
    }
    // The waker in cx lives only as long as this poll; the sender needs one
    // later, so the mailbox keeps its own clone (unless it has one already).
    if (box->has_waker && !waker_will_wake(&box->waker, cx->waker)) {
        box->has_waker = false;
        waker_drop(&box->waker);
    }
    if (!box->has_waker) {
        box->waker = waker_clone(cx->waker);
        box->has_waker = true;
    }
    return POLL_PENDING;
}

void mailbox_receive_init(struct mailbox_receive *r, struct mailbox *box)
{
    future_init(&r->base, mailbox_receive_poll);
    r->box = box;
    r->output = 0;
}

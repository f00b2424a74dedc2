// block_on of block_on.h: a busy loop around future_poll.
#include "block_on.h"

unsigned long block_on(struct future *f)
{
    struct waker waker = waker_noop();
    struct context cx = {.waker = &waker};
    unsigned long polls = 1;
    while (future_poll(f, &cx) == POLL_PENDING)
        polls++; // no need to wait for a wake: we poll again anyway
    return polls;
}

// What future_poll says when its checks fail, and the waker that does nothing.
#include "future.h"

#include "panic.h"

const struct future future_done; // only its address is used: "returned POLL_READY"

bool future_is_done(const struct future *f) { return f->polled_at == &future_done; }

bool future_was_moved(const struct future *f)
{
    return f->polled_at && f->polled_at != f && !future_is_done(f);
}

void future_contract_broken(const struct future *f)
{
    if (future_is_done(f))
        panic("future at %p polled after it returned POLL_READY "
              "(poll only until ready: the result is already in the struct)",
              (const void *)f);
    // A copy carries the address of the original: that is how a move shows.
    panic("future moved after its first poll: first polled at %p, now at %p "
          "(a polled future must stay put: it may point into itself)",
          (const void *)f->polled_at, (const void *)f);
}

// region: waker_noop
static struct waker noop_clone(const void *data);
static void noop(const void *data) { (void)data; }

static const struct waker_vtable noop_vtable = {
    .clone = noop_clone,
    .wake = noop,
    .wake_by_ref = noop,
    .drop = noop,
};

static struct waker noop_clone(const void *data) { return (struct waker){data, &noop_vtable}; }

struct waker waker_noop(void) { return (struct waker){NULL, &noop_vtable}; }
// endregion: waker_noop

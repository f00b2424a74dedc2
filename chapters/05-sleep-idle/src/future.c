// future_poll with the checks that make contract violations loud, and the
// waker that does nothing.
#include "future.h"

#include "panic.h"

bool future_is_done(const struct future *f) { return f->done; }

bool future_was_moved(const struct future *f) { return f->polled_at && f->polled_at != f; }

enum poll future_poll(struct future *f, struct context *cx)
{
    if (f->done)
        panic("future at %p polled after it returned POLL_READY "
              "(poll only until ready: the result is already in the struct)",
              (void *)f);
    // A copy carries the address of the original, so a move is seen here.
    if (future_was_moved(f))
        panic("future moved after its first poll: first polled at %p, now at %p "
              "(a polled future must stay put: it may point into itself)",
              (const void *)f->polled_at, (void *)f);
    f->polled_at = f;
    enum poll result = f->poll(f, cx);
    if (result == POLL_READY)
        f->done = true;
    return result;
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

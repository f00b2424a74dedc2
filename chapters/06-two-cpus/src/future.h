// Futures and wakers: a computation that finishes later, and the handle it
// uses to say "poll me again". Every other file of this chapter builds on these.
#pragma once

#include <stdbool.h>
#include <stddef.h>

// region: poll
enum poll {
    POLL_PENDING, // not finished; the future has arranged for its waker to be woken
    POLL_READY,   // finished; the result is in the concrete future's struct
};
// endregion: poll

// From a pointer to a member back to the struct that contains it.
// clang-format off
#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
// clang-format on

// region: waker
// A waker is a pointer to "the thing to wake" (a task, a counter, nothing at
// all) and the four functions that know what that thing is. Whoever holds a
// struct waker owns it: it must end in exactly one waker_wake or waker_drop.
struct waker {
    const void *data;
    const struct waker_vtable *vtable;
};

struct waker_vtable {
    // A second waker for the same thing; the caller owns the copy.
    struct waker (*clone)(const void *data);
    // Wake, and give up this waker (it is consumed: wake is its last use).
    void (*wake)(const void *data);
    // Wake, and keep this waker.
    void (*wake_by_ref)(const void *data);
    // Give up this waker without waking.
    void (*drop)(const void *data);
};
// endregion: waker

// region: waker_helpers
static inline struct waker waker_clone(const struct waker *w) { return w->vtable->clone(w->data); }

// Consumes *w: it is zeroed, so a second use crashes at once instead of
// corrupting a reference count.
static inline void waker_wake(struct waker *w)
{
    struct waker taken = *w;
    *w = (struct waker){0};
    taken.vtable->wake(taken.data);
}

static inline void waker_wake_by_ref(const struct waker *w) { w->vtable->wake_by_ref(w->data); }

static inline void waker_drop(struct waker *w)
{
    struct waker taken = *w;
    *w = (struct waker){0};
    taken.vtable->drop(taken.data);
}

// True if waking a would wake what waking b wakes: a future that already
// holds a waker can keep it instead of swapping it for a clone of the new one.
static inline bool waker_will_wake(const struct waker *a, const struct waker *b)
{
    return a->data == b->data && a->vtable == b->vtable;
}
// endregion: waker_helpers

// region: context
// What a poll is given besides the future itself. The waker is borrowed for
// the duration of the poll: a future that needs it later keeps a clone.
struct context {
    const struct waker *waker;
};
// endregion: context

// region: future
// The head of every future: concrete futures embed it as their first member,
// named base, and keep their own state and output after it:
//
//     struct countdown { struct future base; unsigned remaining; ... int output; };
//
// The contract, for whoever polls a future (always through future_poll):
// - poll it until it returns POLL_READY, then never again: the output is in
//   the concrete struct. Polling after ready is a bug; future_poll panics.
// - POLL_PENDING means the future has arranged for cx->waker (or a clone of
//   it) to be woken when polling again can make progress. Being woken is a
//   hint, not a promise: a woken future may still be pending (spurious wakeups
//   are allowed), and polling one that was not woken is allowed too.
// - once polled, a future stays where it is until it is ready or abandoned:
//   it may hold pointers into itself. Moving it is a bug; future_poll panics.
// Polling happens in task context only, never in an interrupt handler.
struct future {
    enum poll (*poll)(struct future *self, struct context *cx);
    // Kept by future_poll for its checks; poll functions never touch it: NULL
    // before the first poll, then where that poll found the future, and
    // &future_done once it returned POLL_READY. Anything else: it moved.
    const struct future *polled_at;
};
// endregion: future

extern const struct future future_done;

// Every concrete init calls this first: a fresh future may be moved freely
// until its first poll.
static inline void future_init(struct future *f,
                               enum poll (*poll)(struct future *, struct context *))
{
    *f = (struct future){.poll = poll};
}

// Panics, saying whether f was polled after it was ready or moved after its
// first poll. future_poll's way out when its check fails.
__attribute__((noreturn, cold)) void future_contract_broken(const struct future *f);

// region: future_poll
// Polls f once, with the checks of the contract above, always on: one
// compare per poll (and a store at the first and the last). Panics if f was
// already ready, or if it moved since its first poll.
static inline enum poll future_poll(struct future *f, struct context *cx)
{
    if (f->polled_at != f) { // a first poll, a move, or a poll after ready
        if (f->polled_at)
            future_contract_broken(f);
        f->polled_at = f;
    }
    enum poll result = f->poll(f, cx);
    if (result == POLL_READY)
        f->polled_at = &future_done;
    return result;
}
// endregion: future_poll

// The checks as questions, for code that wants to report rather than panic.
bool future_is_done(const struct future *f);
bool future_was_moved(const struct future *f);

// A waker that does nothing: for a caller that polls again anyway (block_on).
// Cloning and dropping it are free; it may be used any number of times.
struct waker waker_noop(void);

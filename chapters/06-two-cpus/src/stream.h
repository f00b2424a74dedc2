// Streams: a future that yields many values, one per poll_next, until it
// ends. Here the values are bytes (scancodes, serial input): that is all
// chapter 03 needs, and it keeps the out-parameter a plain uint8_t.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "future.h"

// region: stream_poll
enum stream_poll {
    STREAM_PENDING, // no item now; the stream has arranged for its waker to be woken
    STREAM_ITEM,    // an item, in *item
    STREAM_END,     // no item, ever again
};
// endregion: stream_poll

// region: stream
// The head of every stream: concrete streams embed it as their first member,
// named base, as futures embed struct future.
//
// The contract, for whoever polls a stream (always through stream_poll_next):
// - STREAM_ITEM: the next item is in *item. Poll again for the one after it.
// - STREAM_PENDING: *item is untouched, and the stream has arranged for
//   cx->waker (or a clone of it) to be woken when polling again can make
//   progress, exactly as poll's POLL_PENDING. Wakeups may be spurious, and
//   polling a stream that was not woken is allowed.
// - STREAM_END: the stream is finished; *item is untouched. It is never
//   polled again: stream_poll_next panics if it is.
// Polling happens in task context only, never in an interrupt handler.
struct stream {
    enum stream_poll (*poll_next)(struct stream *self, struct context *cx, uint8_t *item);
    bool ended; // kept by stream_poll_next: it returned STREAM_END
};
// endregion: stream

static inline void stream_init(struct stream *s,
                               enum stream_poll (*poll_next)(struct stream *, struct context *,
                                                             uint8_t *))
{
    *s = (struct stream){.poll_next = poll_next};
}

// Polls s once for its next item, with the contract's check: it panics if s
// already returned STREAM_END, or was never initialised.
enum stream_poll stream_poll_next(struct stream *s, struct context *cx, uint8_t *item);

// region: stream_next
// The next item as a future, for an async function to AWAIT (like Rust's
// StreamExt::next). Ready with the item (ended false), or with ended true if
// the stream ended. A fresh stream_next for every item:
//
//     stream_next_init(&self->next, self->keys);
//     AWAIT(self->resume, &self->next.base, cx);
//     if (self->next.ended)
//         break;
//     use(self->next.item);
struct stream_next {
    struct future base;
    struct stream *stream; // borrowed: it outlives the future
    bool ended;            // output: the stream ended (no item)
    uint8_t item;          // output: the item, when !ended
};
// endregion: stream_next

void stream_next_init(struct stream_next *n, struct stream *s);

// stream_poll_next with the contract's check, and the stream_next future.
#include "stream.h"

#include "panic.h"
#include "trace.h"

enum stream_poll stream_poll_next(struct stream *s, struct context *cx, uint8_t *item)
{
    if (!s->poll_next)
        panic("stream at %p polled before it was initialised (stream_init, or open it first)",
              (void *)s);
    if (s->ended)
        panic("stream at %p polled after it returned STREAM_END (it has no more items)", (void *)s);
    enum stream_poll result = s->poll_next(s, cx, item);
    trace_stream_polled(s, result);
    if (result == STREAM_END)
        s->ended = true;
    return result;
}

// region: stream_next_poll
static enum poll stream_next_poll(struct future *f, struct context *cx)
{
    struct stream_next *self = CONTAINER_OF(f, struct stream_next, base);
    enum stream_poll result = stream_poll_next(self->stream, cx, &self->item);
    if (result == STREAM_PENDING)
        return POLL_PENDING; // the stream arranged the wakeup
    self->ended = result == STREAM_END;
    return POLL_READY;
}
// endregion: stream_next_poll

void stream_next_init(struct stream_next *n, struct stream *s)
{
    future_init(&n->base, stream_next_poll);
    n->stream = s;
    n->ended = false;
    n->item = 0;
}

// async/await for C: three macros that turn a poll function written as
// straight-line code into the resumable state machine one would write by hand.
#pragma once

#include "future.h"
#include "panic.h"

// clang-format off
// region: async_macros
// The state is an int field of the future's struct (`resume` below): 0 before
// the first poll, then the source line of the AWAIT to resume at, -1 when done.
// ASYNC_BEGIN opens a switch on it, each AWAIT is a case label, so a poll
// jumps straight back into the middle of the code where the last one left off.
//
//     enum poll thing_poll(struct future *f, struct context *cx)
//     {
//         struct thing *self = CONTAINER_OF(f, struct thing, base);
//         ASYNC_BEGIN(self->resume);
//         countdown_init(&self->sub, 3, 7);
//         AWAIT(self->resume, &self->sub.base, cx);
//         self->output = self->sub.output;
//         ASYNC_END(self->resume);
//     }
//
// Limits, all from the same cause (a poll returns, and the next one jumps
// back in through a case label):
// - Locals of the poll function are lost at every AWAIT. Whatever lives across
//   one (arguments, results, the awaited future itself) must be a struct field.
// - No switch statement of your own may enclose an AWAIT: its case label would
//   belong to your switch, not to ours. Loops and ifs around an AWAIT are fine.
// - At most one AWAIT per source line: the line number names the resume point.
// - Start the future (the code before the first AWAIT) only once: set resume
//   to ASYNC_START in its init function.
#define ASYNC_START 0
#define ASYNC_DONE (-1)

#define ASYNC_BEGIN(resume)                                                                        \
    switch (resume) {                                                                              \
    case ASYNC_START:

// Polls `future`; if it is pending, returns POLL_PENDING, remembering to come
// back to exactly this line.
#define AWAIT(resume, future, cx)                                                                  \
    do {                                                                                           \
        (resume) = __LINE__;                                                                       \
        __attribute__((fallthrough));                                                              \
    case __LINE__:                                                                                 \
        if (future_poll((future), (cx)) == POLL_PENDING)                                           \
            return POLL_PENDING;                                                                   \
    } while (0)

// Finishes the future early (its output must be set first).
#define ASYNC_RETURN(resume)                                                                       \
    do {                                                                                           \
        (resume) = ASYNC_DONE;                                                                     \
        return POLL_READY;                                                                         \
    } while (0)

// The end of the async code: reaching it finishes the future.
#define ASYNC_END(resume)                                                                          \
    ASYNC_RETURN(resume);                                                                          \
    default:                                                                                       \
        panic("async: no resume point %d (a local switch around an AWAIT?)", (resume));           \
    }
// endregion: async_macros
// clang-format on

// Exercise 1.3: the state machine of a given async function, by hand. The
// macro version (messages_async) is the specification; write messages_machine's
// poll so that it behaves exactly the same, poll for poll.
#pragma once

#include "future.h"
#include "mailbox.h"

// region: messages_fn
// The async function:
//
//     async int add_messages(struct mailbox *box, int limit)
//     {
//         int a = await mailbox_receive(box);
//         if (a > limit)
//             return a;        // big enough: don't wait for a second one
//         int b = await mailbox_receive(box);
//         return a + b;
//     }
// endregion: messages_fn

// region: messages_machine
enum messages_state {
    MESSAGES_START,        // nothing has run yet
    MESSAGES_AWAIT_FIRST,  // waiting for a
    MESSAGES_AWAIT_SECOND, // waiting for b, with a kept
    MESSAGES_DONE,         // output is set
};

struct messages_machine {
    struct future base;
    enum messages_state state;
    // The arguments.
    struct mailbox *box;
    int limit;
    // The local that lives across the second await.
    int a;
    // The await in progress: the first receive, then (reinitialised) the second.
    struct mailbox_receive receive;
    int output; // valid once ready
};
// endregion: messages_machine

void messages_machine_init(struct messages_machine *m, struct mailbox *box, int limit);

struct messages_async {
    struct future base;
    int resume;
    struct mailbox *box;
    int limit;
    int a;
    struct mailbox_receive receive;
    int output;
};

void messages_async_init(struct messages_async *m, struct mailbox *box, int limit);

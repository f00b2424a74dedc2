// A mailbox holds at most one int. Receiving is a future that waits until
// someone sends: the first future here that is woken by somebody else, so the
// first that must keep a clone of its waker (a countdown only borrows it).
#pragma once

#include <stdbool.h>

#include "future.h"

struct mailbox {
    bool full;
    int value; // the message, while full
    bool has_waker;
    struct waker waker; // the waiting receiver's, while has_waker; owned here
};

void mailbox_init(struct mailbox *box);

// Puts a message in and wakes the waiting receiver, if any (consuming its
// waker). Returns false, changing nothing, when a message is already there.
// Task context only in this chapter (it may run any waker's wake).
bool mailbox_send(struct mailbox *box, int value);

// Drops the waker of a receiver that was abandoned before its message came.
void mailbox_destroy(struct mailbox *box);

// region: mailbox_receive
// Ready with the next message. One receiver at a time per mailbox: the
// mailbox keeps one waker, the one from the latest pending poll.
struct mailbox_receive {
    struct future base;
    struct mailbox *box; // borrowed: must outlive the receive
    int output;          // valid once ready
};
// endregion: mailbox_receive

void mailbox_receive_init(struct mailbox_receive *r, struct mailbox *box);

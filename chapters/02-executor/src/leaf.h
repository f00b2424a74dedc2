// Leaf futures: the ones that await nothing. ready has its value at once;
// countdown is pending a set number of times first, waking itself each time.
#pragma once

#include "future.h"

// region: ready
struct ready {
    struct future base;
    int output;
};

// Ready on its first poll, with `value` as its output.
void ready_init(struct ready *r, int value);
// endregion: ready

// region: countdown
// Pending `pending` times, then ready with `value`. Each pending poll wakes
// the waker it was given before returning: "poll me again, I will make
// progress", which is what a yield is.
struct countdown {
    struct future base;
    unsigned remaining; // pending polls still to come
    int value;          // becomes the output when ready
    unsigned polls;     // how many times poll ran, for the curious
    int output;         // valid once ready
};
// endregion: countdown

void countdown_init(struct countdown *c, unsigned pending, int value);

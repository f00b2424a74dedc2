// A leaf future that takes its time: pending a set number of times, waking
// itself each time, then ready.
#pragma once

#include "future.h"

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

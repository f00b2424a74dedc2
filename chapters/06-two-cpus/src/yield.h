// Cooperative multitasking's one move: give the CPU to the other tasks.
// yield_now is pending once (waking itself, so it will be polled again),
// then ready; talker is an async function that prints and yields in a loop.
#pragma once

#include <stdbool.h>

#include "future.h"

// region: yield_now
struct yield_now {
    struct future base;
    bool yielded; // the first poll happened
};
// endregion: yield_now

void yield_now_init(struct yield_now *y);

// region: talker
//     async void talker(const char *name, int count)
//     {
//         for (int i = 1; i <= count; i++) {
//             kprintf(" %s%d", name, i);
//             await yield_now();
//         }
//     }
struct talker {
    struct future base;
    int resume; // the async state (async.h)
    const char *name;
    int count, i;
    struct yield_now yield;
};
// endregion: talker

void talker_init(struct talker *t, const char *name, int count);

// The first async example, in C: example_task awaits async_number and prints
// what it got.
#pragma once

#include "future.h"
#include "ready.h"

// region: example_fn
//     async int async_number(void) { return 42; }
//
//     async void example_task(void)
//     {
//         int number = await async_number();
//         kprintf("async number: %d\n", number);
//     }
// endregion: example_fn

// An async function that awaits nothing is ready on its first poll: its
// future is a ready future. The caller provides the storage.
void async_number(struct ready *out);

// region: example_task
struct example_task {
    struct future base;
    int resume;
    struct ready number; // the awaited future lives inside the awaiting one
};
// endregion: example_task

void example_task_init(struct example_task *t);

// The worked example of the state-machine transformation: one async function,
// written as a state machine by hand (sum_machine) and with the async macros
// (sum_async). Both are the same machine, the same size, with the same polls.
#pragma once

#include "future.h"
#include "countdown.h"

// region: sum_async_fn
// The async function both futures implement, in a C with async and await:
//
//     async int sum(int x, unsigned wait_f, unsigned wait_g)
//     {
//         int a = await f(x, wait_f); // x, after wait_f pending polls
//         int b = await g(a, wait_g); // 2 * a, after wait_g pending polls
//         return a + b;
//     }
//
// f and g stand for any slow operation (a disk read, a network reply); here
// they are countdowns.
// endregion: sum_async_fn

// region: sum_machine
enum sum_state {
    SUM_START,   // nothing has run yet
    SUM_AWAIT_F, // waiting for f; the future f lives in sub.f
    SUM_AWAIT_G, // waiting for g; a and the future g must be kept
    SUM_DONE,    // output is set
};

struct sum_machine {
    struct future base;
    enum sum_state state;
    // The arguments: still needed after the first poll returns.
    int x;
    unsigned wait_f, wait_g;
    // The local that lives across the second await.
    int a;
    // The futures awaited. f and g are never alive at once: they share storage.
    union {
        struct countdown f;
        struct countdown g;
    } sub;
    int output; // valid once ready
};
// endregion: sum_machine

void sum_machine_init(struct sum_machine *s, int x, unsigned wait_f, unsigned wait_g);

// region: sum_async
// The same fields, except that the state is a line number for the macros.
struct sum_async {
    struct future base;
    int resume;
    int x;
    unsigned wait_f, wait_g;
    int a;
    union {
        struct countdown f;
        struct countdown g;
    } sub;
    int output;
};
// endregion: sum_async

void sum_async_init(struct sum_async *s, int x, unsigned wait_f, unsigned wait_g);

// Waiting for the timer without interrupts-to-wakers: a future that is
// ready once a tick counter reaches a target. It has no way to be woken when
// the tick comes, so the executor must keep polling it.
#pragma once

#include <stdint.h>

#include "future.h"

// region: tick_wait
struct tick_wait {
    struct future base;
    uint64_t (*now)(void); // the tick counter: pit_ticks in the kernel
    uint64_t target;       // ready once now() >= target
    unsigned long polls;   // what the wait cost
};
// endregion: tick_wait

// Ready once now() reaches `target`. The output is the polls count.
void tick_wait_init(struct tick_wait *t, uint64_t (*now)(void), uint64_t target);

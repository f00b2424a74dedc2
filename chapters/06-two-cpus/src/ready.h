// The simplest future: one that awaits nothing and has its value at once.
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

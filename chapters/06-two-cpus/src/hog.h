// A task that computes without awaiting anything: while its poll runs, no
// other task can run, however urgently it was woken. The same work split
// into slices, with a yield_now between them, lets the others in.
#pragma once

#include <stdint.h>

#include "future.h"
#include "yield.h"

// region: hog
struct hog {
    struct future base;
    int resume;
    uint64_t (*clock)(void); // what "how long" is measured with: the TSC in the kernel
    uint64_t work;           // clock units of computing to do
    uint64_t slice;          // compute this long, then yield; 0: all in one poll
    uint64_t done;           // clock units computed so far
    uint64_t result;         // what it computed, so the work cannot be optimised away
    unsigned long polls;
    struct yield_now yield;
};
// endregion: hog

// A hog that computes for `work` clock units, in slices of `slice` units
// with a yield after each (0: all at once, in its first poll).
void hog_init(struct hog *h, uint64_t (*clock)(void), uint64_t work, uint64_t slice);

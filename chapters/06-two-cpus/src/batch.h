// A batch of compute tasks, for the demo and the tests: each worker does a
// fixed amount of work in slices, yielding after each, and notes the CPU
// each slice ran on; a future waits until every worker is done. How many
// slices ran on each CPU shows the work spreading (and being stolen).
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include "atomic_waker.h"
#include "cpu.h"
#include "future.h"
#include "yield.h"

struct batch {
    _Atomic unsigned left;                  // workers not done yet
    _Atomic unsigned long slices[CPUS_MAX]; // slices run, by CPU
    struct atomic_waker done;               // woken by the last worker
};

// region: batch_worker
struct batch_worker {
    struct future base;
    int resume;
    struct batch *batch;
    unsigned slices_left;
    unsigned long iterations; // of work per slice
    uint64_t result;          // what it computed, so the work cannot be optimised away
    struct yield_now yield;
};
// endregion: batch_worker

// An empty batch that expects `workers` workers. Task context, before they run.
void batch_init(struct batch *b, unsigned workers);

// A worker of batch b: `slices` slices of `iterations` rounds of arithmetic.
void batch_worker_init(struct batch_worker *w, struct batch *b, unsigned slices,
                       unsigned long iterations);

// A future that is ready once every worker of b is done.
struct batch_wait {
    struct future base;
    struct batch *batch;
};
void batch_wait_init(struct batch_wait *w, struct batch *b);

// Slices run so far on CPU `cpu`, and in all.
unsigned long batch_slices(struct batch *b, unsigned cpu);
unsigned long batch_total_slices(struct batch *b);

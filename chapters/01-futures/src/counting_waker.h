// A waker that counts its wakes, with a reference count: the heap block lives
// while any waker for it does, so a test (or the kernel) can check that every
// clone a future made was given back. Task context only: the last wake or drop
// frees the block, so one more is a use after free (ASan reports it in tests).
#pragma once

#include <stdbool.h>

#include "future.h"

// region: counting_waker
struct counting_waker {
    unsigned refs;       // wakers alive for this block; freed when it drops to 0
    unsigned long wakes; // wake and wake_by_ref calls so far
};
// endregion: counting_waker

// Allocates a block with refs = 1 and stores the one waker for it in *out.
// Returns false (and leaves *out alone) when the heap is exhausted.
bool counting_waker_create(struct waker *out);

// The block behind w, or NULL if w is not a counting waker. Valid while the
// caller owns w.
struct counting_waker *counting_waker_get(const struct waker *w);

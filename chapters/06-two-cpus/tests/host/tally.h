// A test waker that counts every call made on it, for checking what a future
// did with the waker it was given. Not reference-counted (that is exercise
// 1.2's counting waker): the counts are all a test needs. One per test process.
#pragma once

#include "future.h"

struct tally {
    unsigned long clones, wakes, wake_by_refs, drops;
};

// Resets the counts and returns a waker for them.
struct waker tally_waker(void);
const struct tally *tally_counts(void);
// Wakers alive besides the test's own: clones not yet consumed or dropped.
long tally_outstanding(void);
// Whether w is a tally waker (a future passed it down rather than its own).
bool tally_is(const struct waker *w);

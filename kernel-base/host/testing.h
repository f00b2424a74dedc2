// Helpers for host tests: a seeded random source so graded tests use varied
// inputs that a hard-coded answer cannot match, yet any failure can be
// replayed. The seed comes from TEST_SEED if set, else from the clock, and is
// printed to stderr, so a failing run can be repeated with TEST_SEED=n.
#pragma once

#include <stdint.h>

uint64_t test_seed(void);
// The next number from a xorshift generator started at test_seed().
uint64_t test_random(void);
// Uniform in [low, high].
long test_random_range(long low, long high);

// The seeded random source of testing.h.
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seed, state;

// Pinned: every run draws the same numbers, so a verdict never depends on a
// coin flip. TEST_SEED=n explores other inputs by hand.
#define TEST_DEFAULT_SEED 0x9E3779B97F4A7C15u

uint64_t test_seed(void)
{
    if (!seed) {
        const char *env = getenv("TEST_SEED");
        seed = env ? strtoull(env, NULL, 0) : TEST_DEFAULT_SEED;
        if (!seed)
            seed = 1;
        state = seed;
        if (env)
            fprintf(stderr, "test seed: %llu (from TEST_SEED)\n", (unsigned long long)seed);
    }
    return seed;
}

uint64_t test_random(void)
{
    test_seed();
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

void test_points(const char *protocol, bool naive, uint64_t walked, uint64_t landed, uint64_t lost)
{
    fprintf(stderr, "points: %s%s walked=%llu landed=%llu lost=%llu\n", protocol,
            naive ? " naive" : "", (unsigned long long)walked, (unsigned long long)landed,
            (unsigned long long)lost);
}

unsigned test_count(const char *haystack, const char *needle)
{
    unsigned n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

long test_random_range(long low, long high)
{
    return low + (long)(test_random() % (uint64_t)(high - low + 1));
}

// LeakSanitizer's suppressions, built into every test binary: Criterion's
// runner leaks one small block of its own when it runs tests in parallel (48
// bytes from libcriterion.so, at exit), which would fail the whole run. The
// suppression covers every stack through libcriterion.so, tests included, so
// LeakSanitizer checks nothing of ours here (nor did it before: a test's own
// process does not fail on its report). Tests check for leaks with kmalloc's
// counters instead (mem_stats().live_allocations).
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libcriterion.so\n"; }

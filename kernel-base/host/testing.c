// The seeded random source of testing.h.
#include "testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t seed, state;

uint64_t test_seed(void)
{
    if (!seed) {
        const char *env = getenv("TEST_SEED");
        seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock() << 32;
        if (!seed)
            seed = 1;
        state = seed;
        fprintf(stderr, "test seed: %llu (rerun with TEST_SEED=%llu)\n", (unsigned long long)seed,
                (unsigned long long)seed);
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

long test_random_range(long low, long high)
{
    return low + (long)(test_random() % (uint64_t)(high - low + 1));
}

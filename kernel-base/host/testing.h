// Helpers for host tests: a seeded random source for inputs too many to list
// (thousands of numbers to format, a long heap workload). The seed is pinned,
// so every run tests the same inputs and a verdict never depends on a coin
// flip; TEST_SEED=n draws other ones. A test that picks one case out of a few
// runs them all instead.
#pragma once

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

uint64_t test_seed(void);
// The next number from a xorshift generator started at test_seed().
uint64_t test_random(void);
// Uniform in [low, high].
long test_random_range(long low, long high);

// For `make test-points` (tools/points.py): a test that walks an interrupt
// through every point of a protocol reports the walk in one line,
// "points: PROTOCOL [naive] walked=N landed=N lost=N": the points the
// protocol passes, the runs in which the interrupt landed, the wakeups lost.
void test_points(const char *protocol, bool naive, uint64_t walked, uint64_t landed, uint64_t lost);
// How many times `needle` occurs in `haystack` (for counting "lost" in a trace).
unsigned test_count(const char *haystack, const char *needle);

// cr_assert_eq for integers that also says what it got, so a failing
// exercise reads "ex.polls is 5, expected 6": ASSERT_EQ(actual, expected)
// or ASSERT_EQ(actual, expected, "context %d", n). Include it after
// <criterion/criterion.h>.
#define ASSERT_EQ(actual, expected, ...) ASSERT_EQ_(actual, expected, "" __VA_ARGS__)
#define ASSERT_EQ_(actual, expected, fmt, ...)                                                     \
    do {                                                                                           \
        long long actual_ = (long long)(actual), expected_ = (long long)(expected);                \
        if (actual_ != expected_)                                                                  \
            cr_assert_fail("%s is %lld, expected %lld. " fmt, #actual, actual_, expected_,         \
                           ##__VA_ARGS__);                                                         \
    } while (0)

// The same for strings: "console_output() is "ab", expected "abc". context".
#define ASSERT_STR_EQ(actual, expected, ...) ASSERT_STR_EQ_(actual, expected, "" __VA_ARGS__)
#define ASSERT_STR_EQ_(actual, expected, fmt, ...)                                                 \
    do {                                                                                           \
        const char *actual_s_ = (actual), *expected_s_ = (expected);                               \
        if (strcmp(actual_s_, expected_s_) != 0)                                                   \
            cr_assert_fail("%s is \"%s\", expected \"%s\". " fmt, #actual, actual_s_, expected_s_, \
                           ##__VA_ARGS__);                                                         \
    } while (0)

// Run `stmt`, which must panic with a message containing `text`. Unlike
// Criterion's .signal = SIGABRT, this fails on the wrong panic, such as an
// exercise stub's "exercise 3.3 is not done yet". The panicking code is
// abandoned where it stood: check what it left behind with care.
extern jmp_buf *test_panic_jump; // set while ASSERT_PANICS runs its statement
extern char test_panic_message[512];
#define ASSERT_PANICS(stmt, text)                                                                  \
    do {                                                                                           \
        jmp_buf jump_;                                                                             \
        test_panic_jump = &jump_;                                                                  \
        if (!setjmp(jump_)) {                                                                      \
            stmt;                                                                                  \
            test_panic_jump = NULL;                                                                \
            cr_assert_fail("%s returned; expected a panic containing \"%s\"", #stmt, text);        \
        }                                                                                          \
        if (!strstr(test_panic_message, text))                                                     \
            cr_assert_fail("%s panicked with \"%s\"; expected a panic containing \"%s\"", #stmt,   \
                           test_panic_message, text);                                              \
    } while (0)

// The worked example: sum() by hand and by macro are the same machine.
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>

#include "sum.h"
#include "tally.h"
#include "testing.h"

TestSuite(sum, .timeout = 10);

struct run {
    int polls, output;
    char results[128]; // 'P' or 'R' per poll
    unsigned long wakes;
};

static struct run run_sum(struct future *f, const int *output)
{
    struct run r = {0};
    struct waker w = tally_waker();
    struct context cx = {&w};
    enum poll result;
    do {
        result = future_poll(f, &cx);
        r.results[r.polls++] = result == POLL_READY ? 'R' : 'P';
    } while (result == POLL_PENDING && r.polls < 127);
    r.output = *output;
    r.wakes = tally_counts()->wake_by_refs;
    return r;
}

Test(sum, hand_and_macro_agree)
{
    for (int trial = 0; trial < 200; trial++) {
        int x = (int)test_random_range(-10000, 10000);
        unsigned wait_f = (unsigned)test_random_range(0, 50);
        unsigned wait_g = (unsigned)test_random_range(0, 50);
        struct sum_machine hand;
        struct sum_async macro;
        sum_machine_init(&hand, x, wait_f, wait_g);
        sum_async_init(&macro, x, wait_f, wait_g);
        struct run a = run_sum(&hand.base, &hand.output);
        struct run b = run_sum(&macro.base, &macro.output);
        ASSERT_STR_EQ(a.results, b.results, "sum(%d, %u, %u)", x, wait_f, wait_g);
        ASSERT_EQ(a.output, 3 * x);
        ASSERT_EQ(b.output, 3 * x);
        ASSERT_EQ(a.polls, (int)(wait_f + wait_g + 1));
        ASSERT_EQ(a.wakes, wait_f + wait_g, "every pending poll woke the waker");
        ASSERT_EQ(b.wakes, a.wakes);
    }
}

Test(sum, same_size)
{
    fprintf(stderr,
            "struct sum_machine: %zu bytes, struct sum_async: %zu bytes, "
            "struct countdown: %zu bytes\n",
            sizeof(struct sum_machine), sizeof(struct sum_async), sizeof(struct countdown));
    ASSERT_EQ(sizeof(struct sum_machine), sizeof(struct sum_async));
    // f and g share their storage: the machine holds one countdown, not two.
    cr_assert_lt(sizeof(struct sum_machine),
                 offsetof(struct sum_machine, sub) + 2 * sizeof(struct countdown));
}

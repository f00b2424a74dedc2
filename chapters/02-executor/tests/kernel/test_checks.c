// The contract checks are on in the kernel too, and the state machines agree
// in the kernel build (-O2, freestanding) as they do on the host.
#include "block_on.h"
#include "ktest.h"
#include "leaf.h"
#include "spell.h"
#include "sum.h"

KTEST(sum_by_hand_and_by_macro_agree)
{
    for (unsigned wait = 0; wait < 8; wait++) {
        struct sum_machine hand;
        struct sum_async macro;
        sum_machine_init(&hand, (int)wait - 3, wait, 7 - wait);
        sum_async_init(&macro, (int)wait - 3, wait, 7 - wait);
        KTEST_ASSERT_EQ(block_on(&hand.base), 8);
        KTEST_ASSERT_EQ(block_on(&macro.base), 8);
        KTEST_ASSERT_EQ(hand.output, 3 * ((int)wait - 3));
        KTEST_ASSERT_EQ(macro.output, hand.output);
    }
}

KTEST_PANICS(poll_after_ready_panics, "polled after it returned POLL_READY")
{
    struct ready r;
    ready_init(&r, 42);
    block_on(&r.base);
    block_on(&r.base);
}

KTEST_PANICS(moved_future_panics, "moved after its first poll")
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct spell original;
    spell_init(&original, "kernel");
    future_poll(&original.base, &cx);
    struct spell moved = original;
    block_on(&moved.base);
}

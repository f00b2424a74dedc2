// The state machines agree in the kernel build (-O2, freestanding) as they do
// on the host.
#include "block_on.h"
#include "ktest.h"
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

// The tick future in the kernel: it really waits for the PIT, busily.
#include "ktest.h"
#include "pit.h"
#include "simple_executor.h"
#include "tick.h"

KTEST_ICOUNT(tick_wait_waits_for_the_timer)
{
    struct simple_executor ex;
    simple_executor_init(&ex);
    struct tick_wait wait;
    uint64_t target = pit_ticks() + 3;
    tick_wait_init(&wait, pit_ticks, target);
    KTEST_ASSERT(SIMPLE_EXECUTOR_SPAWN(&ex, &wait, NULL));
    simple_executor_run(&ex);
    KTEST_ASSERT(pit_ticks() >= target);
    KTEST_ASSERT(ex.polls > 100); // busy polling: many polls per tick
}

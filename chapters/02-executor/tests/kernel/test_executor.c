// The simple executor in the kernel: tasks live on the kernel heap, and the
// tick future really waits for the PIT.
#include "ktest.h"
#include "mem.h"
#include "pit.h"
#include "simple_executor.h"
#include "tick.h"
#include "yield.h"

KTEST(executor_frees_every_task_on_the_kernel_heap)
{
    struct mem_stats before = mem_stats();
    struct simple_executor ex;
    simple_executor_init(&ex);
    for (int i = 0; i < 100; i++) {
        struct yield_now y;
        yield_now_init(&y);
        KTEST_ASSERT(SIMPLE_EXECUTOR_SPAWN(&ex, &y, NULL));
    }
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + 100);
    simple_executor_run(&ex);
    KTEST_ASSERT_EQ(ex.polls, 200);
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
}

KTEST(tick_wait_waits_for_the_timer)
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

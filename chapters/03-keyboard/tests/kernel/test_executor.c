// The simple executor in the kernel: tasks live on the kernel heap.
#include "ktest.h"
#include "mem.h"
#include "simple_executor.h"
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

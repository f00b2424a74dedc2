// The futures the kernel runs on the simple executor: the talkers take turns
// (and print), the dummy waker costs nothing. Not graded: they use several
// exercises at once.
#include <criterion/criterion.h>
#include <string.h>

#include "console_capture.h"
#include "example.h"
#include "mem.h"
#include "simple_executor.h"
#include "testing.h"
#include "yield.h"

TestSuite(talkers, .timeout = 10);
TestSuite(dummy_waker, .timeout = 10);

Test(talkers, two_talkers_interleave)
{
    struct simple_executor ex;
    simple_executor_init(&ex);
    struct talker a, b;
    talker_init(&a, "A", 3);
    talker_init(&b, "B", 3);
    cr_assert(SIMPLE_EXECUTOR_SPAWN(&ex, &a, NULL));
    cr_assert(SIMPLE_EXECUTOR_SPAWN(&ex, &b, NULL));
    console_output_clear();
    simple_executor_run(&ex);
    ASSERT_STR_EQ(console_output(), " A1 B1 A2 B2 A3 B3");
    ASSERT_EQ(ex.polls, 8, "3 turns and a last poll each");
    ASSERT_EQ(mem_stats().live_allocations, 0);
}

Test(talkers, the_async_example_runs_as_a_task)
{
    struct simple_executor ex;
    simple_executor_init(&ex);
    struct example_task t;
    example_task_init(&t);
    cr_assert(SIMPLE_EXECUTOR_SPAWN(&ex, &t, NULL));
    console_output_clear();
    simple_executor_run(&ex);
    ASSERT_STR_EQ(console_output(), "async number: 42\n");
    ASSERT_EQ(ex.polls, 1);
}

Test(dummy_waker, operations_do_nothing_and_allocate_nothing)
{
    struct mem_stats before = mem_stats();
    struct waker w = waker_noop();
    struct waker copy = waker_clone(&w);
    cr_assert(waker_will_wake(&w, &copy), "a clone wakes the same (nothing)");
    for (int i = 0; i < 1000; i++)
        waker_wake_by_ref(&w);
    waker_wake(&copy);
    struct waker another = waker_clone(&w);
    waker_drop(&another);
    waker_drop(&w);
    cr_assert_null(w.vtable, "a dropped waker is cleared");
    struct mem_stats after = mem_stats();
    ASSERT_EQ(after.total_allocations, before.total_allocations);
    ASSERT_EQ(after.live_allocations, before.live_allocations);
}

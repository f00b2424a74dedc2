// Faults name their task: a page fault, a stack overflow (a double fault on
// its own stack) or a panic while the executor polls a task reports the
// task's id and its poll function by name, then stops.
#include "executor.h"
#include "fault_report.h"
#include "ktest.h"

static struct executor ex;

static enum poll null_deref_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    // cppcheck-suppress nullPointer ; the fault is the test
    return *(volatile int *)0 ? POLL_READY : POLL_PENDING;
}

// Each frame holds a buffer the compiler cannot drop: down into the guard page.
static unsigned recurse(unsigned depth)
{
    volatile char buffer[512];
    buffer[0] = (char)depth;
    if (depth == 1u << 30)
        return 0;
    return recurse(depth + 1) + buffer[0];
}

static enum poll stack_overflow_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    return recurse(0) ? POLL_READY : POLL_PENDING;
}

static enum poll panicking_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    panic("this task gives up");
}

static void poll_one(enum poll (*poll)(struct future *, struct context *))
{
    executor_init(&ex);
    fault_report_install(&ex);
    struct future f;
    future_init(&f, poll);
    KTEST_ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, NULL), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex);
}

KTEST_PANICS(a_page_fault_in_a_task_names_it, "whose poll is null_deref_poll)")
{
    poll_one(null_deref_poll);
}

KTEST_PANICS(a_stack_overflow_in_a_task_names_it, "whose poll is stack_overflow_poll)")
{
    poll_one(stack_overflow_poll);
}

KTEST_PANICS(a_panic_in_a_task_names_it, "this task gives up (while polling task 0.")
{
    poll_one(panicking_poll);
}

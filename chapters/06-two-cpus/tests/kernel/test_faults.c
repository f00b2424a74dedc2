// Faults name their task: a page fault, a stack overflow (a double fault on
// its own stack) or a panic while the executor polls a task reports the
// task's id and its poll function by name, then stops.
#include "cpu.h"
#include "executor.h"
#include "fault_report.h"
#include "keyboard.h"
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

static enum poll ready_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    return POLL_READY;
}

static enum poll panicking_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    panic("this task gives up");
}

// Polls the task alone, after two others have come and gone (one still
// waits), so that it runs in slot 1 with a generation other than the first
// (the deque pops newest first: slot 2 ends, then slot 1, left on top of
// the free slots): a report that named the task polled before it would be
// caught.
static enum poll pending_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    return POLL_PENDING;
}

static void poll_one(enum poll (*poll)(struct future *, struct context *))
{
    executor_init(&ex, 1, NULL);
    fault_report_install(&ex);
    struct future waiting, once, f;
    future_init(&waiting, pending_poll);
    future_init(&once, ready_poll);
    KTEST_ASSERT_EQ(executor_spawn(&ex, &waiting, sizeof waiting, NULL, NULL), EXECUTOR_SPAWNED);
    KTEST_ASSERT_EQ(executor_spawn(&ex, &once, sizeof once, NULL, NULL), EXECUTOR_SPAWNED);
    KTEST_ASSERT_EQ(executor_spawn(&ex, &once, sizeof once, NULL, NULL), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex); // slot 0 waits; slots 2 and 1 come and go
    future_init(&f, poll);
    KTEST_ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, NULL), EXECUTOR_SPAWNED); // slot 1
    executor_run_ready_tasks(&ex);
}

KTEST_PANICS(a_page_fault_in_a_task_names_it, "(while polling task 1.")
{
    poll_one(null_deref_poll);
}

KTEST_PANICS(a_stack_overflow_in_a_task_names_it, "whose poll is stack_overflow_poll)")
{
    poll_one(stack_overflow_poll);
}

KTEST_PANICS(a_panic_in_a_task_names_it, "this task gives up (while polling task 1.")
{
    poll_one(panicking_poll);
}

// A panic in an interrupt handler that came while a task was polled: the
// report says it was the handler, and which task it interrupted.
static void panicking_key(uint8_t byte)
{
    (void)byte;
    panic("a handler gives up");
}

static enum poll typing_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    keyboard_set_hook(panicking_key);
    keyboard_inject(0x1E);
    for (int i = 0; i < 1000; i++) // interrupts are enabled in a poll: IRQ 1 comes
        cpu_halt();
    return POLL_PENDING; // the key's interrupt never came: the test fails
}

KTEST_PANICS(a_panic_in_an_interrupt_handler_says_so,
             "a handler gives up (in an interrupt handler, while polling task 1.")
{
    poll_one(typing_poll);
}

// Exercise 2.2: the run loop. Tasks here are made by the test itself (not by
// task_new) and record every poll in a trace, so each test reads as what the
// executor did, in order.
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "simple_executor.h"
#include "testing.h"

TestSuite(run, .timeout = 10);
TestSuite(executor, .timeout = 10); // not graded: passes on the stub too

static char trace[1 << 16];

// Pending `pending` times, then ready; each poll appends its name.
struct traced {
    struct future base;
    const char *name;
    int pending;
    int polls;
};

static enum poll traced_poll(struct future *f, struct context *cx)
{
    struct traced *self = CONTAINER_OF(f, struct traced, base);
    self->polls++;
    if (strlen(trace) + strlen(self->name) + 2 < sizeof trace)
        strcat(strcat(trace, *trace ? " " : ""), self->name);
    if (self->pending-- > 0) {
        waker_wake_by_ref(cx->waker);
        return POLL_PENDING;
    }
    return POLL_READY;
}

static int drops;
static void count_drop(struct future *f)
{
    (void)f;
    drops++;
}

// What task_new does, done here so these tests do not depend on exercise 2.1.
static struct task *add_task(struct simple_executor *ex, const char *name, int pending)
{
    struct task *t = kmalloc(sizeof *t + sizeof(struct traced));
    cr_assert_not_null(t);
    *t = (struct task){.drop = count_drop};
    struct traced *f = (struct traced *)task_future(t);
    future_init(&f->base, traced_poll);
    f->name = name;
    f->pending = pending;
    f->polls = 0;
    task_queue_push(&ex->queue, t);
    return t;
}

static void setup(struct simple_executor *ex)
{
    simple_executor_init(ex);
    trace[0] = '\0';
    drops = 0;
}

Test(executor, empty_executor_returns_at_once)
{
    struct simple_executor ex;
    setup(&ex);
    simple_executor_run(&ex);
    ASSERT_EQ(ex.polls, 0);
    ASSERT_STR_EQ(trace, "");
}

Test(run, polls_in_fifo_order)
{
    struct simple_executor ex;
    setup(&ex);
    add_task(&ex, "a", 0);
    add_task(&ex, "b", 0);
    add_task(&ex, "c", 0);
    simple_executor_run(&ex);
    ASSERT_STR_EQ(trace, "a b c");
}

Test(run, pending_tasks_take_turns)
{
    struct simple_executor ex;
    setup(&ex);
    add_task(&ex, "a", 2);
    add_task(&ex, "b", 1);
    add_task(&ex, "c", 0);
    simple_executor_run(&ex);
    ASSERT_STR_EQ(trace, "a b c a b a");
    ASSERT_EQ(ex.polls, 6);
    ASSERT_EQ(ex.completed, 3);
}

// Random numbers of turns: the trace must be exact round robin.
Test(run, round_robin_for_random_tasks)
{
    static const char *names[] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"};
    for (int trial = 0; trial < 20; trial++) {
        struct simple_executor ex;
        setup(&ex);
        int n = (int)test_random_range(1, 8), pending[8], left[8];
        for (int i = 0; i < n; i++) {
            left[i] = pending[i] = (int)test_random_range(0, 6);
            add_task(&ex, names[i], pending[i]);
        }
        // The model: a queue of indices, popped and pushed back while pending.
        char expected[sizeof trace] = "";
        int queue[64 * 8], head = 0, tail = 0;
        for (int i = 0; i < n; i++)
            queue[tail++] = i;
        while (head < tail) {
            int i = queue[head++];
            strcat(strcat(expected, *expected ? " " : ""), names[i]);
            if (left[i]-- > 0)
                queue[tail++] = i;
        }
        simple_executor_run(&ex);
        ASSERT_STR_EQ(trace, expected, "trial %d", trial);
    }
}

Test(run, a_task_ready_at_once_is_polled_exactly_once)
{
    struct simple_executor ex;
    setup(&ex);
    add_task(&ex, "once", 0);
    simple_executor_run(&ex);
    ASSERT_STR_EQ(trace, "once");
    ASSERT_EQ(ex.polls, 1);
}

Test(run, finished_tasks_are_freed_with_what_they_own)
{
    struct simple_executor ex;
    setup(&ex);
    int n = (int)test_random_range(1, 50);
    for (int i = 0; i < n; i++)
        add_task(&ex, "t", (int)test_random_range(0, 3));
    ASSERT_EQ(mem_stats().live_allocations, (size_t)n);
    simple_executor_run(&ex);
    ASSERT_EQ(drops, n, "drop called once per task");
    ASSERT_EQ(ex.completed, (unsigned long)n);
    ASSERT_EQ(mem_stats().live_allocations, 0, "every task freed");
    ASSERT_EQ(mem_stats().bytes_in_use, 0);
}

Test(run, ten_thousand_tasks)
{
    struct simple_executor ex;
    setup(&ex);
    for (int i = 0; i < 10000; i++)
        add_task(&ex, "", i % 3);
    simple_executor_run(&ex);
    ASSERT_EQ(ex.completed, 10000);
    ASSERT_EQ(ex.polls, 10000 + 3333 * 1 + 3333 * 2);
    ASSERT_EQ(mem_stats().live_allocations, 0);
}

// The loop allocates nothing per poll: the only allocations are the tasks.
Test(run, polling_allocates_nothing)
{
    struct simple_executor ex;
    setup(&ex);
    add_task(&ex, "a", 100);
    add_task(&ex, "b", 100);
    size_t total = mem_stats().total_allocations;
    simple_executor_run(&ex);
    ASSERT_EQ(mem_stats().total_allocations, total);
    ASSERT_EQ(ex.polls, 202);
}

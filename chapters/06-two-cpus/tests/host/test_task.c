// Exercise 2.1: task_new moves a fresh future onto the heap, once, and
// reports allocation failure without leaking.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "ready.h"
#include "task.h"
#include "testing.h"

TestSuite(task, .timeout = 10);

// Pending `remaining` times, then ready with `value`: a future with state
// worth moving.
struct later {
    struct future base;
    unsigned remaining;
    int value, output;
};

static enum poll later_poll(struct future *f, struct context *cx)
{
    struct later *self = CONTAINER_OF(f, struct later, base);
    if (self->remaining == 0) {
        self->output = self->value;
        return POLL_READY;
    }
    self->remaining--;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

static void later_init(struct later *l, unsigned pending, int value)
{
    future_init(&l->base, later_poll);
    *l = (struct later){.base = l->base, .remaining = pending, .value = value};
}

static int drops;
static void count_drop(struct future *f)
{
    (void)f;
    drops++;
}

Test(task, moves_the_future_to_the_heap)
{
    for (int trial = 0; trial < 20; trial++) {
        struct later c;
        unsigned n = (unsigned)test_random_range(0, 20);
        int value = (int)test_random_range(-1000, 1000);
        later_init(&c, n, value);
        struct mem_stats before = mem_stats();
        struct task *t = task_new(&c.base, sizeof c, count_drop);
        cr_assert_not_null(t);
        ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + 1, "one allocation");
        cr_assert_geq(mem_stats().bytes_in_use - before.bytes_in_use, sizeof *t + sizeof c);
        ASSERT_EQ((uintptr_t)task_future(t) % 16, 0, "the future is 16-byte aligned");
        cr_assert_neq((void *)task_future(t), (void *)&c.base, "a copy, not the original");
        ASSERT_EQ(memcmp(t->future, &c, sizeof c), 0, "byte for byte the fresh future");
        ASSERT_EQ(t->drop, count_drop);
        // The copy works where it now lives.
        struct waker w = waker_noop();
        struct context cx = {&w};
        struct later *moved = (struct later *)task_future(t);
        while (future_poll(&moved->base, &cx) == POLL_PENDING)
            ;
        ASSERT_EQ(moved->output, value);
        kfree(t);
    }
}

Test(task, allocation_failure_returns_null_and_leaks_nothing)
{
    struct ready r;
    ready_init(&r, 1);
    struct mem_stats before = mem_stats();
    mem_inject_failure(0);
    cr_assert_null(task_new(&r.base, sizeof r, NULL));
    mem_inject_failure(-1);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
    ASSERT_EQ(mem_stats().failed_allocations, before.failed_allocations + 1);
}

Test(pinning, spawning_a_polled_future_is_refused, .signal = SIGABRT)
{
    struct later c;
    later_init(&c, 2, 0);
    struct waker w = waker_noop();
    struct context cx = {&w};
    (void)future_poll(&c.base, &cx);
    (void)task_new(&c.base, sizeof c, NULL); // it may point into itself now
}

Test(task_free, calls_drop_then_frees, .timeout = 10)
{
    struct ready r;
    ready_init(&r, 5);
    drops = 0;
    struct task *t = task_new(&r.base, sizeof r, count_drop);
    cr_assert_not_null(t);
    task_free(t);
    ASSERT_EQ(drops, 1);
    ASSERT_EQ(mem_stats().live_allocations, 0);
}

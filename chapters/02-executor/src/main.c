// Chapter 02's kernel: futures become tasks, and a simple executor runs
// them: the async example, two tasks taking turns, and a wait for the timer
// that shows what busy polling costs.
#include "async.h"
#include "boot.h"
#include "cpu.h"
#include "example.h"
#include "kprintf.h"
#include "panic.h"
#include "pit.h"
#include "simple_executor.h"
#include "tick.h"
#include "yield.h"

#define WAIT_TICKS 10

// SIMPLE_EXECUTOR_SPAWN takes the size from the future variable itself.
#define SPAWN(ex, fut)                                                                             \
    do {                                                                                           \
        if (!SIMPLE_EXECUTOR_SPAWN(ex, fut, NULL))                                                 \
            panic("out of memory spawning a task");                                                \
    } while (0)

// region: timed_wait
//     async void timed_wait(uint64_t ticks)
//     {
//         await tick_wait(pit_ticks() + ticks);
//         kprintf(... how many polls that took ...);
//     }
struct timed_wait {
    struct future base;
    int resume;
    uint64_t ticks;
    struct tick_wait wait;
};

static enum poll timed_wait_poll(struct future *f, struct context *cx)
{
    struct timed_wait *self = CONTAINER_OF(f, struct timed_wait, base);
    ASYNC_BEGIN(self->resume);
    tick_wait_init(&self->wait, pit_ticks, pit_ticks() + self->ticks);
    AWAIT(self->resume, &self->wait.base, cx);
    kprintf("waiting for %lu timer ticks took %lu polls (%lu per tick)\n",
            (unsigned long)self->ticks, self->wait.polls, self->wait.polls / self->ticks);
    ASYNC_END(self->resume);
}
// endregion: timed_wait

static void timed_wait_init(struct timed_wait *t, uint64_t ticks)
{
    future_init(&t->base, timed_wait_poll);
    t->resume = ASYNC_START;
    t->ticks = ticks;
}

void kmain(void)
{
    kprintf("Chapter 02: a simple executor\n");
    struct simple_executor ex;
    simple_executor_init(&ex);

    // region: kmain_example
    struct example_task example;
    example_task_init(&example);
    SPAWN(&ex, &example);
    simple_executor_run(&ex);
    // endregion: kmain_example

    // region: kmain_talkers
    struct talker a, b;
    talker_init(&a, "A", 3);
    talker_init(&b, "B", 3);
    SPAWN(&ex, &a);
    SPAWN(&ex, &b);
    kprintf("two tasks taking turns:");
    simple_executor_run(&ex);
    kprintf("\n");
    // endregion: kmain_talkers

    struct timed_wait wait;
    timed_wait_init(&wait, WAIT_TICKS);
    SPAWN(&ex, &wait);
    simple_executor_run(&ex);

    kprintf("executor: %lu polls, %lu tasks completed\n", ex.polls, ex.completed);
    kprintf("It did not crash!\n");
    for (;;)
        cpu_halt();
}

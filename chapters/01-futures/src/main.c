// Chapter 01's kernel: each future of the chapter, driven to completion in
// turn by block_on (or by a loop like it), with what it took.
#include "block_on.h"
#include "boot.h"
#include "counting_waker.h"
#include "cpu.h"
#include "example.h"
#include "join.h"
#include "kprintf.h"
#include "countdown.h"
#include "panic.h"
#include "spell.h"
#include "sum.h"

// block_on with a waker of our choice, so we can see the wakes.
static unsigned long poll_until_ready(struct future *f, const struct waker *waker)
{
    struct context cx = {.waker = waker};
    unsigned long polls = 1;
    while (future_poll(f, &cx) == POLL_PENDING)
        polls++;
    return polls;
}

static void show_countdown(void)
{
    struct waker waker;
    if (!counting_waker_create(&waker))
        panic("no memory for a counting waker");
    struct countdown c;
    countdown_init(&c, 3, 0);
    unsigned long polls = poll_until_ready(&c.base, &waker);
    struct counting_waker *counts = counting_waker_get(&waker);
    kprintf("countdown(3): ready after %lu polls, woken %lu times, %u waker reference left\n",
            polls, counts->wakes, counts->refs);
    waker_drop(&waker);
}

static void show_join(void)
{
    struct countdown short_one, long_one;
    countdown_init(&short_one, 2, 0);
    countdown_init(&long_one, 5, 0);
    struct join j;
    join_init(&j, &short_one.base, &long_one.base);
    unsigned long polls = block_on(&j.base);
    kprintf("join(countdown(2), countdown(5)): ready after %lu polls; they took %u and %u\n",
            polls, short_one.polls, long_one.polls);
}

static void show_sums(void)
{
    struct sum_machine by_hand;
    sum_machine_init(&by_hand, 7, 2, 3);
    unsigned long polls = block_on(&by_hand.base);
    kprintf("sum(7) by hand: %d after %lu polls; struct sum_machine is %zu bytes\n", by_hand.output,
            polls, sizeof by_hand);

    struct sum_async by_macro;
    sum_async_init(&by_macro, 7, 2, 3);
    polls = block_on(&by_macro.base);
    kprintf("sum(7) by macro: %d after %lu polls; struct sum_async is %zu bytes\n", by_macro.output,
            polls, sizeof by_macro);
}

void kmain(void)
{
    kprintf("Chapter 01: futures, polled by hand\n");

    // region: kmain_example
    struct example_task task;
    example_task_init(&task);
    block_on(&task.base);
    // endregion: kmain_example

    show_countdown();
    show_join();
    show_sums();

    struct spell s;
    spell_init(&s, "kernel");
    unsigned long polls = block_on(&s.base);
    kprintf("spell(\"kernel\"): \"%s\" after %lu polls\n", s.buf, polls);

    kprintf("It did not crash!\n");
    for (;;)
        cpu_halt();
}

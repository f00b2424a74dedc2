// The sleeping executor in the kernel: keys that arrive while it idles are
// never slept through (and the naive idle loop, built with IDLE=naive, is
// shown sleeping through them); the CPU halts between keys; sleeps end on time.
#include "cpu.h"
#include "executor.h"
#include "irq_stream.h"
#include "katomic.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "ktest.h"
#include "pit.h"
#include "timer.h"

#ifndef IDLE_WINDOW
#define IDLE_WINDOW 0
#endif

static struct executor ex;
static struct timer_list timers;
// A stream opens once: each test has its own, behind the hook.
static uint8_t flood_buffer[64];
static struct irq_stream flood_keys = IRQ_STREAM_INIT("keyboard", flood_buffer);
static struct irq_stream *_Atomic keys;
static void push_key(uint8_t byte)
{
    irq_stream_push(katomic_load(&keys, memory_order_acquire), byte);
}

// The typist: the timer hook types one byte every `typing_every` ticks, so
// the keys come while the executor idles, whenever that is.
static _Atomic unsigned typing_left, typing_every;
static void type_at_ticks(uint64_t ticks)
{
    timer_list_expire(&timers, ticks);
    unsigned every = katomic_load(&typing_every, memory_order_relaxed);
    if (every && ticks % every == 0 && katomic_load(&typing_left, memory_order_relaxed)) {
        katomic_fetch_sub(&typing_left, 1, memory_order_relaxed);
        keyboard_inject((ticks % (2 * every)) ? 0x9E : 0x1E); // a, pressed then released
    }
}

// The run loop as executor_run has it, in the kernel this file is built into,
// for `ticks` timer ticks.
static void run_for(uint64_t ticks)
{
    uint64_t end = pit_ticks() + ticks;
    while (pit_ticks() < end) {
        executor_run_ready_tasks(&ex);
#ifdef IDLE_NAIVE
        executor_sleep_if_idle_naive(&ex, IDLE_WINDOW);
#else
        executor_sleep_if_idle(&ex);
#endif
    }
}

static struct keyboard_task *start_keyboard_task(struct irq_stream *stream)
{
    executor_init(&ex);
    timer_list_init(&timers, pit_ticks, pit_hz());
    katomic_store(&keys, stream, memory_order_release);
    struct keyboard_task task;
    keyboard_task_init(&task, stream);
    struct task_id id;
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &task, NULL, &id), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex); // opens the stream
    keyboard_set_hook(push_key);
    return (struct keyboard_task *)task_future(ex.slots[id.slot].task);
}

static void type_every(unsigned every, unsigned bytes)
{
    katomic_store(&typing_left, bytes, memory_order_relaxed);
    katomic_store(&typing_every, every, memory_order_relaxed);
    pit_set_hook(type_at_ticks);
}

static void stop_typing(void)
{
    pit_set_hook(NULL);
    keyboard_set_hook(NULL);
    katomic_store(&typing_every, 0, memory_order_relaxed);
}

// A key at every tick. The sleeping executor wakes for each at once: not one
// wakeup lost. The naive one checks, waits in its window, and often takes
// the key in the window, then halts with the keyboard task ready: it sleeps
// until the next tick, and the executor counts the wakeup as lost.
KTEST_ICOUNT(lost_wakeups_in_a_key_flood)
{
    struct keyboard_task *task = start_keyboard_task(&flood_keys);
    type_every(1, 40);
    run_for(60);
    stop_typing();
    kprintf("%lu of %lu wakes from interrupts lost; keyboard task: %lu scancodes in %lu polls\n",
            ex.lost_wakeups, ex.irq_wakes, task->scancodes, task->polls);
    KTEST_ASSERT_EQ(task->scancodes, 40);
#ifdef IDLE_NAIVE
    KTEST_ASSERT(ex.lost_wakeups > 0);
#else
    KTEST_ASSERT_EQ(ex.lost_wakeups, 0);
    KTEST_ASSERT(ex.irq_wakes >= 40);
#endif
}

#ifndef IDLE_NAIVE
static uint8_t halts_buffer[64];
static struct irq_stream halts_keys = IRQ_STREAM_INIT("keyboard", halts_buffer);

// Keys every 5 ticks: between them the CPU halts (a spinning executor never
// does), and each key is polled at once, within a tenth of a tick of its
// interrupt (a naive executor that sleeps through a key polls it only at the
// next tick, almost a whole tick later).
KTEST_ICOUNT(keys_are_echoed_with_the_cpu_halted_in_between)
{
    struct keyboard_task *task = start_keyboard_task(&halts_keys);
    uint64_t halts = katomic_load(&ex.halts, memory_order_relaxed);
    uint64_t start = pit_ticks(), start_tsc = cpu_rdtsc();
    type_every(5, 10);
    run_for(60);
    stop_typing();
    uint64_t halted = katomic_load(&ex.halts, memory_order_relaxed) - halts;
    uint64_t ticks = pit_ticks() - start, tsc_per_tick = (cpu_rdtsc() - start_tsc) / ticks;
    kprintf("%lu halts in %lu ticks for %lu scancodes; the longest wait %lu of %lu cycles a tick\n",
            (unsigned long)halted, (unsigned long)ticks, task->scancodes,
            (unsigned long)ex.latency_max_tsc, (unsigned long)tsc_per_tick);
    KTEST_ASSERT_EQ(task->scancodes, 10);
    KTEST_ASSERT(halted > task->scancodes); // it slept between keys
    KTEST_ASSERT(ex.latency_max_tsc < tsc_per_tick / 10);
    KTEST_ASSERT_EQ(ex.lost_wakeups, 0);
}

// A task that sleeps 50 ms and notes the tick it woke at.
struct sleeper {
    struct future base;
    int resume;
    struct sleep sleep;
    bool started;
    uint64_t start, end;
};

static enum poll sleeper_poll(struct future *f, struct context *cx)
{
    struct sleeper *self = CONTAINER_OF(f, struct sleeper, base);
    if (!self->started) {
        self->started = true;
        self->start = pit_ticks();
        sleep_ms_init(&self->sleep, &timers, 50);
    }
    if (future_poll(&self->sleep.base, cx) == POLL_PENDING)
        return POLL_PENDING;
    self->end = pit_ticks();
    return POLL_READY;
}

KTEST_ICOUNT(sleep_ms_wakes_within_one_tick_of_its_deadline)
{
    executor_init(&ex);
    timer_list_init(&timers, pit_ticks, pit_hz());
    pit_set_hook(type_at_ticks); // expires the timers; types nothing
    static struct sleeper s;
    s = (struct sleeper){.started = false};
    future_init(&s.base, sleeper_poll);
    struct task_id id;
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &s, NULL, &id), EXECUTOR_SPAWNED);
    struct sleeper *moved = (struct sleeper *)task_future(ex.slots[id.slot].task);
    uint64_t polls_before = ex.polls;
    run_for(20);
    pit_set_hook(NULL);
    uint64_t ticks = moved->end - moved->start;
    kprintf("sleep_ms(50) at %lu Hz took %lu ticks, %lu polls (%u wakes, %u fired)\n",
            (unsigned long)pit_hz(), (unsigned long)ticks, ex.polls - polls_before,
            (unsigned)ex.wakes, (unsigned)timers.fired);
    KTEST_ASSERT_EQ(executor_task_count(&ex), 0);
    KTEST_ASSERT(ticks >= 5 && ticks <= 6);
    KTEST_ASSERT_EQ(ex.polls - polls_before, 2); // once to start, once when woken
    KTEST_ASSERT_EQ(timer_list_in_use(&timers), 0);
}
#endif

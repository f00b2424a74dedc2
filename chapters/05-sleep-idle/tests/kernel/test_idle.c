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
#include "trace.h"

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

// The keyboard task on `stream`, spawned and waiting; the trace layer
// counts from here (the figures below are differences from `before`).
static unsigned long presses;
static void count_press(const struct key_event *ev, void *arg)
{
    (void)ev, (void)arg;
    presses++;
}

static struct trace_idle_counts before;
static struct trace_stream_counts stream_before;
static unsigned long polls_before;

static void start_keyboard_task(struct irq_stream *stream)
{
    executor_init(&ex);
    timer_list_init(&timers, pit_ticks, pit_hz());
    katomic_store(&keys, stream, memory_order_release);
    trace_watch_stream(&stream->base, "keyboard task");
    struct keyboard_task task;
    keyboard_task_init(&task, stream, count_press, NULL);
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &task, NULL, NULL), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex); // opens the stream
    presses = 0;
    before = trace_idle_counts();
    stream_before = trace_stream_counts();
    polls_before = trace_executor_counts().polls;
    keyboard_set_hook(push_key);
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
// wakeup lost. The naive one checks, waits in its window, takes the key in
// the window, then halts with the keyboard task ready: it sleeps until the
// next tick, and the trace layer counts the wakeup as lost.
KTEST_ICOUNT(lost_wakeups_in_a_key_flood)
{
    start_keyboard_task(&flood_keys);
    type_every(1, 40);
    run_for(60);
    stop_typing();
    struct trace_idle_counts c = trace_idle_counts();
    unsigned long lost = c.lost_wakeups - before.lost_wakeups;
    unsigned long irq_wakes = c.irq_wakes - before.irq_wakes;
    unsigned long scancodes = trace_stream_counts().items - stream_before.items;
    unsigned long polls = trace_executor_counts().polls - polls_before;
    kprintf("%lu of %lu wakes from interrupts lost; keyboard task: %lu scancodes in %lu polls\n",
            lost, irq_wakes, scancodes, polls);
    KTEST_ASSERT_EQ(scancodes, 40);
    KTEST_ASSERT_EQ(presses, 20); // every `a` echoed
#ifdef IDLE_NAIVE
    KTEST_ASSERT(lost > 0);
#else
    KTEST_ASSERT_EQ(lost, 0);
    KTEST_ASSERT(irq_wakes >= 40);
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
    start_keyboard_task(&halts_keys);
    trace_wait_max_reset();
    uint64_t start = pit_ticks(), start_tsc = cpu_rdtsc();
    type_every(5, 10);
    run_for(60);
    stop_typing();
    struct trace_idle_counts c = trace_idle_counts();
    unsigned long halted = c.halts - before.halts;
    unsigned long scancodes = trace_stream_counts().items - stream_before.items;
    uint64_t ticks = pit_ticks() - start, tsc_per_tick = (cpu_rdtsc() - start_tsc) / ticks;
    kprintf("%lu halts in %lu ticks for %lu scancodes; the longest wait %lu of %lu cycles a tick\n",
            halted, (unsigned long)ticks, scancodes, (unsigned long)c.wait_max_tsc,
            (unsigned long)tsc_per_tick);
    KTEST_ASSERT_EQ(scancodes, 10);
    KTEST_ASSERT_EQ(presses, 5);
    KTEST_ASSERT(halted > scancodes); // it slept between keys
    KTEST_ASSERT(c.wait_max_tsc < tsc_per_tick / 10);
    KTEST_ASSERT_EQ(c.lost_wakeups - before.lost_wakeups, 0);
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

KTEST_ICOUNT(sleep_ms_is_never_early_and_at_most_a_tick_late)
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
    unsigned long polls = trace_executor_counts().polls;
    run_for(20);
    pit_set_hook(NULL);
    uint64_t ticks = moved->end - moved->start;
    polls = trace_executor_counts().polls - polls;
    kprintf("sleep_ms(50) at %lu Hz ended %lu ticks after the tick it began in, in %lu polls\n",
            (unsigned long)pit_hz(), (unsigned long)ticks, polls);
    KTEST_ASSERT_EQ(executor_task_count(&ex), 0);
    // 50 ms is 5 ticks; begun inside a tick, it must last past the 6th
    // boundary to be sure of 5 whole periods: more than 5, at most 6.
    KTEST_ASSERT_EQ(ticks, 6);
    KTEST_ASSERT_EQ(polls, 2); // once to start, once when woken
    KTEST_ASSERT_EQ(timer_list_in_use(&timers), 0);
}
#endif

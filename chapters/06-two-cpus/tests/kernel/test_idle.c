// The sleeping executors in the kernel, on two CPUs: keys that arrive while
// CPU 0 computes wake CPU 1, which takes the keyboard task, and none is slept
// through (the naive twins, built with IDLE=naive, are shown sleeping through
// them, and for how long); both CPUs halt between keys; sleeps end on time.
#include "cpu.h"
#include "executor.h"
#include "irq_stream.h"
#include "katomic.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "ktest.h"
#include "lapic.h"
#include "pit.h"
#include "timer.h"
#include "trace.h"
#include "two_cpus.h"

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
// the keys come whatever the CPUs are doing: `a` pressed, then released. A
// tick that finds the last byte still unread (a host that ran QEMU late can
// deliver two ticks back to back) types nothing and leaves it to the next.
static _Atomic unsigned typing_left, typing_every;
static void type_at_ticks(uint64_t ticks)
{
    timer_list_expire(&timers, ticks);
    unsigned every = katomic_load(&typing_every, memory_order_relaxed);
    unsigned left = katomic_load(&typing_left, memory_order_relaxed);
    if (every && ticks % every == 0 && left && keyboard_output_empty()) {
        katomic_store(&typing_left, left - 1, memory_order_relaxed);
        keyboard_inject(left % 2 ? 0x9E : 0x1E);
    }
}

// The keyboard task on `stream`, spawned and waiting; the trace layer
// counts from here (the figures below are differences from `before`).
static _Atomic unsigned long presses;
static void count_press(const struct key_event *ev, void *arg)
{
    (void)ev, (void)arg;
    katomic_fetch_add(&presses, 1, memory_order_relaxed);
}

static struct trace_idle_counts before;
static struct trace_cpu_counts cpu0_before, cpu1_before;
static struct trace_stream_counts stream_before;
static unsigned long polls_before;
static const char *idle_name;

static void start_keyboard_task(struct irq_stream *stream, unsigned cpus)
{
    executor_init(&ex, cpus, lapic_send_ipi);
    executor_set_idle(&ex, two_cpus_idle(&idle_name));
    timer_list_init(&timers, pit_ticks, pit_hz());
    katomic_store(&keys, stream, memory_order_release);
    trace_watch_stream(&stream->base, "keyboard task");
    struct keyboard_task task;
    keyboard_task_init(&task, stream, count_press, NULL);
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &task, NULL, NULL), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex); // opens the stream
    katomic_store(&presses, 0, memory_order_relaxed);
    before = trace_idle_counts();
    cpu0_before = trace_cpu_counts(0);
    cpu1_before = trace_cpu_counts(1);
    stream_before = trace_stream_counts();
    polls_before = trace_executor_counts().polls;
    keyboard_set_hook(push_key);
}

#define FLOOD_BYTES 40 // 20 keys

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

// CPU 0 computes (a hog, as far as the executor knows) while CPU 1 runs the
// executor, and a key comes at every tick, on CPU 0: its handler queues the
// keyboard task in the injector, and only CPU 1 can take it. The race-free
// executor calls CPU 1 for each: not one wakeup lost. The naive twins leave
// CPU 1 asleep (noflag: nobody knows it sleeps; noipi: nobody calls it), and
// the key waits for CPU 1's next timer tick: the trace layer counts each
// lost wakeup and how long CPU 1 slept through it. (nofence loses only where
// two CPUs run truly at once, never under -icount, whose CPUs take turns.)
// CPU 0 computes until the keyboard task has taken every scancode, not for a
// set time: on a busy host CPU 1's thread may run late, and the verdicts
// count scancodes. Only a scancode that is really lost runs the 10 s out.
static void flood_while_cpu0_computes(struct irq_stream *stream)
{
    two_cpus_start();
    start_keyboard_task(stream, 2);
    two_cpus_run(&ex);
    type_every(1, FLOOD_BYTES);
    uint64_t give_up = pit_ticks() + 10 * pit_hz();
    while (trace_stream_counts().items - stream_before.items < FLOOD_BYTES && pit_ticks() < give_up)
        two_cpus_busy_until(pit_ticks() + 1);
    stop_typing();
    two_cpus_stop();
}

static unsigned long flood_report(void)
{
    struct trace_idle_counts c = trace_idle_counts();
    unsigned long lost = c.lost_wakeups - before.lost_wakeups;
    unsigned long irq_wakes = c.irq_wakes - before.irq_wakes;
    unsigned long scancodes = trace_stream_counts().items - stream_before.items;
    unsigned long polls = trace_executor_counts().polls - polls_before;
    kprintf("%lu of %lu wakes from interrupts lost; keyboard task: %lu scancodes in %lu polls\n",
            lost, irq_wakes, scancodes, polls);
    kprintf("IPIs: CPU 0 sent %lu, CPU 1 received %lu\n",
            trace_cpu_counts(0).ipis_sent - cpu0_before.ipis_sent,
            trace_cpu_counts(1).ipis_received - cpu1_before.ipis_received);
    KTEST_ASSERT_EQ(scancodes, FLOOD_BYTES);
    KTEST_ASSERT_EQ(katomic_load(&presses, memory_order_relaxed), FLOOD_BYTES / 2); // all echoed
    KTEST_ASSERT_EQ(injector_overflows(&ex.injector), 0);
    return lost;
}

KTEST_ICOUNT(lost_wakeups_in_a_key_flood)
{
    flood_while_cpu0_computes(&flood_keys);
    unsigned long lost = flood_report();
    uint64_t latencies[8];
    unsigned n = trace_lost_latencies(latencies, 8);
    kprintf("idle loop %s: CPU 1 slept through %lu wakes; the first ones by (TSC cycles):",
            idle_name, lost);
    for (unsigned i = 0; i < n && i < 8; i++)
        kprintf(" %lu", (unsigned long)latencies[i]);
    kprintf("\n");
    if (ex.idle == EXECUTOR_IDLE_NOFLAG || ex.idle == EXECUTOR_IDLE_NOIPI) {
        KTEST_ASSERT(lost > 0);
        KTEST_ASSERT_EQ(trace_cpu_counts(0).ipis_sent - cpu0_before.ipis_sent, 0); // nobody called
    } else if (ex.idle == EXECUTOR_IDLE_RACE_FREE) {
        KTEST_ASSERT_EQ(lost, 0);
        KTEST_ASSERT(trace_cpu_counts(0).ipis_sent > cpu0_before.ipis_sent);
    }
}

#ifndef IDLE_NAIVE
static uint8_t busy_buffer[64], halts_buffer[64];
static struct irq_stream busy_keys = IRQ_STREAM_INIT("keyboard", busy_buffer);
static struct irq_stream halts_keys = IRQ_STREAM_INIT("keyboard", halts_buffer);

// The run loop as executor_run has it, on CPU 0, for `ticks` timer ticks.
static void run_for(uint64_t ticks)
{
    uint64_t end = pit_ticks() + ticks;
    while (pit_ticks() < end) {
        executor_run_ready_tasks(&ex);
        if (ex.idle == EXECUTOR_IDLE_RACE_FREE)
            executor_sleep_if_idle(&ex);
        else
            executor_sleep_if_idle_naive(&ex);
    }
}

// The same flood, counted rather than timed, so that it holds with a host
// thread per CPU as well as under -icount: every key echoed, none lost.
KTEST(smp_keys_wake_cpu1_while_cpu0_computes)
{
    flood_while_cpu0_computes(&busy_keys);
    KTEST_ASSERT_EQ(flood_report(), 0);
}

// Keys every 5 ticks with both CPUs running the executor: between keys both
// halt (a spinning executor never does), and each key is polled at once,
// within a tenth of a tick of its interrupt, by the CPU it woke (CPU 0,
// whose handler finds its own CPU was asleep) or by a CPU that was called.
KTEST_ICOUNT(keys_are_echoed_with_the_cpus_halted_in_between)
{
    two_cpus_start();
    start_keyboard_task(&halts_keys, 2);
    two_cpus_run(&ex);
    trace_wait_max_reset();
    uint64_t start = pit_ticks(), start_tsc = cpu_rdtsc();
    type_every(5, 10);
    run_for(60);
    stop_typing();
    two_cpus_stop();
    struct trace_idle_counts c = trace_idle_counts();
    unsigned long halted = c.halts - before.halts;
    unsigned long scancodes = trace_stream_counts().items - stream_before.items;
    uint64_t ticks = pit_ticks() - start, tsc_per_tick = (cpu_rdtsc() - start_tsc) / ticks;
    kprintf("%lu halts in %lu ticks for %lu scancodes; the longest wait %lu of %lu cycles a tick\n",
            halted, (unsigned long)ticks, scancodes, (unsigned long)c.wait_max_tsc,
            (unsigned long)tsc_per_tick);
    KTEST_ASSERT_EQ(scancodes, 10);
    KTEST_ASSERT_EQ(katomic_load(&presses, memory_order_relaxed), 5);
    KTEST_ASSERT(halted > 2 * scancodes); // both CPUs slept between keys
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
    executor_init(&ex, 1, NULL);
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

// Chapter 05's kernel: the waker executor now sleeps whenever no task is
// ready, and wakes at once for a key. A clock task shows the uptime and the
// share of time the CPU spent halted; every key spawns a short task; F2 and
// F3 start a task that computes for 200 ms, at once or in slices.
#include "async.h"
#include "bench_keys.h"
#include "boot.h"
#include "console.h"
#include "cpu.h"
#include "example.h"
#include "executor.h"
#include "fault_report.h"
#include "hog.h"
#include "irq_stream.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "panic.h"
#include "pit.h"
#include "serial.h"
#include "serial_echo.h"
#include "timer.h"
#include "trace.h"
#include "yield.h"

static uint8_t keyboard_buffer[128];
static struct irq_stream keyboard = IRQ_STREAM_INIT("keyboard", keyboard_buffer);
static uint8_t serial_buffer[256];
static struct irq_stream serial = IRQ_STREAM_INIT("serial", serial_buffer);
static struct timer_list timers;
static struct executor ex;
static uint64_t tsc_per_ms; // measured at boot against the PIT

// Interrupt context, all three: hand over and return.
static void keyboard_byte(uint8_t scancode) { irq_stream_push(&keyboard, scancode); }
static void serial_byte(uint8_t byte) { irq_stream_push(&serial, byte); }
static void timer_tick(uint64_t ticks) { timer_list_expire(&timers, ticks); }

static void spawn_task(const struct future *f, size_t size, void (*drop)(struct future *))
{
    switch (executor_spawn(&ex, f, size, drop, NULL)) {
    case EXECUTOR_SPAWNED: return;
    case EXECUTOR_TABLE_FULL: panic("the task table is full (%d tasks)", EXECUTOR_MAX_TASKS);
    case EXECUTOR_NO_MEMORY: panic("out of memory spawning a task");
    }
}

// The size comes from the future variable itself, as EXECUTOR_SPAWN's does.
#define SPAWN(fut, drop) spawn_task(&(fut)->base, sizeof *(fut), drop)

// Sleep until the timer reaches `tick`: cli; check; sti+hlt, race-free.
static void sleep_until_tick(uint64_t tick)
{
    cpu_interrupts_disable();
    while (pit_ticks() < tick) {
        cpu_enable_and_halt();
        cpu_interrupts_disable();
    }
    cpu_interrupts_enable();
}

// How many TSC cycles a millisecond is: count them over 10 timer ticks.
static uint64_t measure_tsc_per_ms(void)
{
    uint64_t start_tick = pit_ticks() + 1;
    sleep_until_tick(start_tick); // start on a tick boundary
    uint64_t start = cpu_rdtsc();
    sleep_until_tick(start_tick + 10);
    return (cpu_rdtsc() - start) * pit_hz() / 10 / 1000;
}

static unsigned long tsc_to_us(uint64_t cycles)
{
    return tsc_per_ms ? (unsigned long)(cycles * 1000 / tsc_per_ms) : 0;
}

// region: clock_task
//     async void clock_task(void)
//     {
//         for (;;) {
//             await sleep_ms(1000);
//             show the uptime, the idle share and the wake figures;
//         }
//     }
struct clock_task {
    struct future base;
    int resume;
    struct sleep sleep;
    uint64_t last_tsc, last_halted; // at the previous update
};

static void show_clock(struct clock_task *self)
{
    struct trace_idle_counts c = trace_idle_counts();
    uint64_t now = cpu_rdtsc(), seconds = pit_ticks() / pit_hz();
    uint64_t busy = now - self->last_tsc, halted = c.halted_tsc - self->last_halted;
    unsigned idle = busy ? (unsigned)(halted * 1000 / busy) : 0; // in tenths of a percent
    self->last_tsc = now;
    self->last_halted = c.halted_tsc;
    kstatus_at(1,
               "uptime %lu:%02lu:%02lu  idle %u.%u %%  tasks %u  lost wakeups %lu  wait max %lu us",
               (unsigned long)(seconds / 3600), (unsigned long)(seconds / 60 % 60),
               (unsigned long)(seconds % 60), idle / 10, idle % 10, executor_task_count(&ex),
               c.lost_wakeups, tsc_to_us(c.wait_max_tsc));
}

static enum poll clock_task_poll(struct future *f, struct context *cx)
{
    struct clock_task *self = CONTAINER_OF(f, struct clock_task, base);
    ASYNC_BEGIN(self->resume);
    self->last_tsc = cpu_rdtsc();
    for (;;) {
        sleep_ms_init(&self->sleep, &timers, 1000);
        AWAIT(self->resume, &self->sleep.base, cx);
        show_clock(self);
    }
    ASYNC_END(self->resume);
}

// Cancelled while it sleeps, it gives its timer entry back.
static void clock_task_drop(struct future *f)
{
    sleep_cancel(&CONTAINER_OF(f, struct clock_task, base)->sleep);
}
// endregion: clock_task

// region: key_task
// Spawned for every key: it lives a third of a second, asleep, then ends.
// Type fast and the "tasks" figure of the clock goes up, then down again.
struct key_task {
    struct future base;
    int resume;
    struct sleep sleep;
};

static enum poll key_task_poll(struct future *f, struct context *cx)
{
    struct key_task *self = CONTAINER_OF(f, struct key_task, base);
    ASYNC_BEGIN(self->resume);
    sleep_ms_init(&self->sleep, &timers, 333);
    AWAIT(self->resume, &self->sleep.base, cx);
    ASYNC_END(self->resume);
}

static void key_task_drop(struct future *f)
{
    sleep_cancel(&CONTAINER_OF(f, struct key_task, base)->sleep);
}
// endregion: key_task

// region: hog_demo
// F2 or F3: 200 ms of computing, in one poll or in 1 ms slices; then what it
// did to the other tasks: the longest any woken task waited meanwhile.
static bool hog_running; // one hog at a time, so its figure is its own

struct hog_demo {
    struct future base;
    int resume;
    struct hog hog;
    struct yield_now yield;
};

static uint64_t tsc_clock(void) { return cpu_rdtsc(); }

static enum poll hog_demo_poll(struct future *f, struct context *cx)
{
    struct hog_demo *self = CONTAINER_OF(f, struct hog_demo, base);
    ASYNC_BEGIN(self->resume);
    trace_wait_max_reset(); // measure from here
    AWAIT(self->resume, &self->hog.base, cx);
    // One round more: the tasks woken while the hog ran are queued ahead of
    // us, so they are polled, and their wait measured, before we report it.
    yield_now_init(&self->yield);
    AWAIT(self->resume, &self->yield.base, cx);
    kprintf("\nhog: 200 ms of work in %lu poll%s; the longest wait of a woken task: %lu us\n",
            self->hog.polls, self->hog.polls == 1 ? "" : "s",
            tsc_to_us(trace_idle_counts().wait_max_tsc));
    hog_running = false;
    ASYNC_END(self->resume);
}
// endregion: hog_demo

// region: on_key
static void on_key(const struct key_event *ev, void *arg)
{
    struct spawner *sp = arg;
    trace_key_report();
    if ((ev->key == KEY_F2 || ev->key == KEY_F3) && !hog_running) {
        struct hog_demo demo = {.resume = ASYNC_START};
        future_init(&demo.base, hog_demo_poll);
        hog_init(&demo.hog, tsc_clock, 200 * tsc_per_ms, ev->key == KEY_F3 ? tsc_per_ms : 0);
        if (spawner_spawn(sp, &demo.base, sizeof demo, NULL, NULL) == SPAWNER_SPAWNED)
            hog_running = true;
        else
            kprintf("\nhog: not started (no room for a task)\n");
        return;
    }
    struct key_task t = {.resume = ASYNC_START};
    future_init(&t.base, key_task_poll);
    switch (spawner_spawn(sp, &t.base, sizeof t, key_task_drop, NULL)) {
    case SPAWNER_SPAWNED: return;
    case SPAWNER_TABLE_FULL: kprintf("[table full]"); return; // typed faster than tasks end
    case SPAWNER_NO_MEMORY:
    case SPAWNER_IN_INTERRUPT: kprintf("[no task]"); return;
    }
}
// endregion: on_key

static void show_byte_cost(void *arg)
{
    (void)arg;
    if (console_status_on_serial())
        trace_key_report();
}

void kmain(void)
{
#ifdef IDLE_NAIVE
    kprintf("Chapter 05, NAIVE: checks the queue, then halts, with interrupts on\n"
            "  (a delay of %d between the check and the hlt): it loses wakeups\n",
            IDLE_WINDOW);
#else
    kprintf("Chapter 05: an executor that sleeps when idle\n");
#endif
    tsc_per_ms = measure_tsc_per_ms();
    timer_list_init(&timers, pit_ticks, pit_hz());
    pit_set_hook(timer_tick);
    keyboard_set_hook(bench_keys_booted() ? bench_keys_timed(keyboard_byte) : keyboard_byte);
    serial_set_receive_hook(serial_byte);
    executor_init(&ex);
    fault_report_install(&ex);

    struct example_task example;
    example_task_init(&example);
    SPAWN(&example, NULL);
    executor_run_until_idle(&ex);
    struct talker a, b;
    talker_init(&a, "A", 3);
    talker_init(&b, "B", 3);
    SPAWN(&a, NULL);
    SPAWN(&b, NULL);
    kprintf("two tasks taking turns:");
    executor_run_until_idle(&ex);
    kprintf("\n");

    // region: kmain_tasks
    static struct spawner spawner; // the keyboard task's, for the rest of the run
    spawner = executor_spawner(&ex);
    struct keyboard_task keys;
    // What typing costs: the keyboard task's polls, or, when nobody sees the
    // screen (make run HEADLESS=1: typing arrives on serial), the serial task's.
    if (console_status_on_serial())
        trace_watch_stream(&serial.base, "serial task");
    else
        trace_watch_stream(&keyboard.base, "keyboard task");
    keyboard_task_init(&keys, &keyboard, on_key, &spawner);
    if (bench_keys_booted()) { // `make bench`: the kernel types keys, and times each
        trace_bench_keys(bench_keys_last_press);
        bench_keys_start(timer_tick);
        kprintf("bench: ready\n");
    }
    struct serial_echo echo;
    serial_echo_init(&echo, &serial, show_byte_cost, NULL);
    struct clock_task clock = {.resume = ASYNC_START};
    future_init(&clock.base, clock_task_poll);
    SPAWN(&keys, NULL);
    SPAWN(&echo, NULL);
    SPAWN(&clock, clock_task_drop);
    kprintf("Type on the keyboard, or in the serial terminal; F2 or F3 starts a hog.\n");
    executor_run(&ex); // sleeps whenever no task is ready
    // endregion: kmain_tasks
}

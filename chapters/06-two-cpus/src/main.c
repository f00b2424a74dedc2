// Chapter 06's kernel: chapter 05's tasks on two CPUs, an executor on each.
// Status lines show, per CPU, its polls, the tasks it stole, the IPIs it sent
// and received, and the share of time it slept. F1 starts a batch of compute
// tasks twice, kept on one CPU and then free to spread, and prints both
// times; F2 and F3 start a hog as in chapter 05, and typing stays prompt:
// the other CPU takes the keyboard task.
#include "async.h"
#include "batch.h"
#include "bench_keys.h"
#include "boot.h"
#include "boot_info.h"
#include "console.h"
#include "cpu.h"
#include "example.h"
#include "executor.h"
#include "fault_report.h"
#include "hog.h"
#include "irq_stream.h"
#include "katomic.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "kstring.h"
#include "lapic.h"
#include "panic.h"
#include "pit.h"
#include "serial.h"
#include "serial_echo.h"
#include "smp.h"
#include "timer.h"
#include "trace.h"
#include "yield.h"

static uint8_t keyboard_buffer[128];
static struct irq_stream keyboard = IRQ_STREAM_INIT("keyboard", keyboard_buffer);
static uint8_t serial_buffer[256];
static struct irq_stream serial = IRQ_STREAM_INIT("serial", serial_buffer);
static struct timer_list timers;
static struct executor ex;
static uint64_t tsc_per_ms;             // measured at boot against the PIT
static unsigned long iterations_per_ms; // of the batch's work, measured at boot

// Interrupt context, all four: hand over and return. The IPI's only job is
// to end a hlt, which it has done by the time its handler runs: it counts.
static void keyboard_byte(uint8_t scancode) { irq_stream_push(&keyboard, scancode); }
static void serial_byte(uint8_t byte) { irq_stream_push(&serial, byte); }
static void timer_tick(uint64_t ticks) { timer_list_expire(&timers, ticks); }
static void ipi_received(void) { trace_ipi_received(); }

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

// How many TSC cycles a millisecond is, and how many iterations of the
// batch's work: count both over 10 timer ticks (CPU 0 alone still).
static void measure_clocks(void)
{
    uint64_t start_tick = pit_ticks() + 1;
    sleep_until_tick(start_tick); // start on a tick boundary
    uint64_t start = cpu_rdtsc();
    sleep_until_tick(start_tick + 10);
    tsc_per_ms = (cpu_rdtsc() - start) * pit_hz() / 10 / 1000;
    struct batch b;
    struct batch_worker w;
    batch_init(&b, 1);
    uint64_t end_tick = pit_ticks() + 5, iterations = 0;
    while (pit_ticks() < end_tick) { // one slice of 10000 iterations at a time
        batch_worker_init(&w, &b, 1, 10000);
        struct waker noop = waker_noop();
        struct context cx = {&noop};
        future_poll(&w.base, &cx);
        iterations += 10000;
    }
    iterations_per_ms = (unsigned long)(iterations * pit_hz() / 5 / 1000);
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
//             show the uptime and the wake figures, and each CPU's;
//         }
//     }
struct clock_task {
    struct future base;
    int resume;
    struct sleep sleep;
    uint64_t last_tsc, last_halted[CPUS_MAX]; // at the previous update
};

static void show_cpu(struct clock_task *self, unsigned cpu, uint64_t busy)
{
    struct trace_cpu_counts c = trace_cpu_counts(cpu);
    uint64_t halted = c.halted_tsc - self->last_halted[cpu];
    unsigned idle = busy ? (unsigned)(halted * 1000 / busy) : 0; // in tenths of a percent
    self->last_halted[cpu] = c.halted_tsc;
    kstatus_at(cpu ? 2 : 3,
               "CPU %u: %lu polls  %lu steals  IPIs %lu sent, %lu received  idle %u.%u %%", cpu,
               c.polls, c.steals, c.ipis_sent, c.ipis_received, idle > 1000 ? 100 : idle / 10,
               idle > 1000 ? 0 : idle % 10);
}

static void show_clock(struct clock_task *self)
{
    struct trace_idle_counts c = trace_idle_counts();
    uint64_t now = cpu_rdtsc(), seconds = pit_ticks() / pit_hz();
    uint64_t busy = now - self->last_tsc;
    self->last_tsc = now;
    for (unsigned cpu = 0; cpu < ex.cpu_count && cpu < 2; cpu++) // two status lines for CPUs
        show_cpu(self, cpu, busy);
    kstatus_at(1, "uptime %lu:%02lu:%02lu  tasks %u  lost wakeups %lu  wait max %lu us",
               (unsigned long)(seconds / 3600), (unsigned long)(seconds / 60 % 60),
               (unsigned long)(seconds % 60), executor_task_count(&ex), c.lost_wakeups,
               tsc_to_us(c.wait_max_tsc));
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
// did to the other tasks: the longest any woken task waited meanwhile. On
// two CPUs the other CPU takes whatever is woken while the hog computes.
static _Atomic bool hog_running; // one hog at a time, so its figure is its own

struct hog_demo {
    struct future base;
    int resume;
    struct hog hog;
    struct yield_now yield;
    unsigned cpu; // where it computed (its last slice)
};

static uint64_t tsc_clock(void) { return cpu_rdtsc(); }

static enum poll hog_demo_poll(struct future *f, struct context *cx)
{
    struct hog_demo *self = CONTAINER_OF(f, struct hog_demo, base);
    ASYNC_BEGIN(self->resume);
    trace_wait_max_reset(); // measure from here
    AWAIT(self->resume, (self->cpu = cpu_index(), &self->hog.base), cx);
    yield_now_init(&self->yield); // one round more, for the woken tasks to be polled
    AWAIT(self->resume, &self->yield.base, cx);
    kprintf("\nhog: 200 ms in %lu poll%s on CPU %u; longest wait of a woken task: %lu us\n",
            self->hog.polls, self->hog.polls == 1 ? "" : "s", self->cpu,
            tsc_to_us(trace_idle_counts().wait_max_tsc));
    katomic_store(&hog_running, false, memory_order_relaxed);
    ASYNC_END(self->resume);
}
// endregion: hog_demo

// region: batch_demo
// F1: BATCH_TASKS tasks of BATCH_MS ms of work each, in 1 ms slices: first
// with stealing off (each task stays on the CPU that spawned it: one CPU
// does it all), then with stealing on (the other CPU takes half). Prints
// both times and where the slices ran.
#define BATCH_TASKS 8
#define BATCH_MS    25
static _Atomic bool batch_running;

struct batch_demo {
    struct future base;
    int resume;
    struct spawner *spawner;
    unsigned run; // 0: one CPU, 1: free to spread
    uint64_t start, took[2];
    unsigned long slices[2][CPUS_MAX];
    struct batch batch;
    struct batch_wait wait;
};

static bool spawn_batch(struct batch_demo *self)
{
    batch_init(&self->batch, BATCH_TASKS);
    for (unsigned i = 0; i < BATCH_TASKS; i++) {
        struct batch_worker w;
        batch_worker_init(&w, &self->batch, BATCH_MS, iterations_per_ms);
        if (spawner_spawn(self->spawner, &w.base, sizeof w, NULL, NULL) != SPAWNER_SPAWNED)
            return false; // the workers spawned so far run on; this batch never ends
    }
    return true;
}

static void report_batch(struct batch_demo *self)
{
    unsigned long one = tsc_to_us(self->took[0]) / 1000, two = tsc_to_us(self->took[1]) / 1000;
    unsigned x100 = self->took[1] ? (unsigned)(self->took[0] * 100 / self->took[1]) : 0;
    kprintf("\nbatch of %u x %u ms: one CPU %lu ms, free to spread %lu ms (%u.%02ux)\n",
            BATCH_TASKS, BATCH_MS, one, two, x100 / 100, x100 % 100);
    kprintf("  slices per CPU: one CPU");
    for (unsigned cpu = 0; cpu < ex.cpu_count; cpu++)
        kprintf(" %lu", self->slices[0][cpu]);
    kprintf("; spread");
    for (unsigned cpu = 0; cpu < ex.cpu_count; cpu++)
        kprintf(" %lu", self->slices[1][cpu]);
    kprintf("\n");
}

static enum poll batch_demo_poll(struct future *f, struct context *cx)
{
    struct batch_demo *self = CONTAINER_OF(f, struct batch_demo, base);
    ASYNC_BEGIN(self->resume);
    for (self->run = 0; self->run < 2; self->run++) {
        executor_set_stealing(&ex, self->run == 1);
        self->start = cpu_rdtsc();
        if (!spawn_batch(self)) {
            kprintf("\nbatch: no room for its tasks\n");
            break;
        }
        batch_wait_init(&self->wait, &self->batch);
        AWAIT(self->resume, &self->wait.base, cx);
        self->took[self->run] = cpu_rdtsc() - self->start;
        for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
            self->slices[self->run][cpu] = batch_slices(&self->batch, cpu);
    }
    executor_set_stealing(&ex, true);
    if (self->run == 2)
        report_batch(self);
    katomic_store(&batch_running, false, memory_order_relaxed);
    ASYNC_END(self->resume);
}
// endregion: batch_demo

// region: on_key
static void on_key(const struct key_event *ev, void *arg)
{
    struct spawner *sp = arg;
    trace_key_report();
    if (ev->key == KEY_F1 && !katomic_exchange(&batch_running, true, memory_order_relaxed)) {
        struct batch_demo demo = {.resume = ASYNC_START, .spawner = sp};
        future_init(&demo.base, batch_demo_poll);
        if (spawner_spawn(sp, &demo.base, sizeof demo, NULL, NULL) != SPAWNER_SPAWNED) {
            kprintf("\nbatch: not started (no room for a task)\n");
            katomic_store(&batch_running, false, memory_order_relaxed);
        }
        return;
    }
    if ((ev->key == KEY_F2 || ev->key == KEY_F3) &&
        !katomic_exchange(&hog_running, true, memory_order_relaxed)) {
        struct hog_demo demo = {.resume = ASYNC_START};
        future_init(&demo.base, hog_demo_poll);
        hog_init(&demo.hog, tsc_clock, 200 * tsc_per_ms, ev->key == KEY_F3 ? tsc_per_ms : 0);
        if (spawner_spawn(sp, &demo.base, sizeof demo, NULL, NULL) != SPAWNER_SPAWNED) {
            kprintf("\nhog: not started (no room for a task)\n");
            katomic_store(&hog_running, false, memory_order_relaxed);
        }
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

// ---- make bench's figures of two CPUs (booted with `bench`) ----------------

// A task that notes when it was polled, and on which CPU.
struct pinged {
    struct future base;
    _Atomic uint64_t polled_at;
    _Atomic unsigned cpu;
};

static enum poll pinged_poll(struct future *f, struct context *cx)
{
    (void)cx;
    struct pinged *self = CONTAINER_OF(f, struct pinged, base);
    katomic_store(&self->cpu, cpu_index(), memory_order_relaxed);
    katomic_store(&self->polled_at, cpu_rdtsc(), memory_order_release);
    return POLL_PENDING;
}

// Cross-CPU wakes: CPU 0 (here, outside any round) wakes the task while CPU
// 1 sleeps, then spins until the task has run; CPU 1 is called, steals it
// and polls it. From the wake to the poll, in TSC cycles (guest instructions
// under -icount), and the IPIs it took.
static void bench_cross_cpu_wakes(void)
{
    struct pinged p = {0};
    future_init(&p.base, pinged_poll);
    struct task_id id;
    if (executor_spawn(&ex, &p.base, sizeof p, NULL, &id) != EXECUTOR_SPAWNED)
        return;
    struct pinged *task =
        (struct pinged *)task_future(katomic_load(&ex.slots[id.slot].task, memory_order_relaxed));
    for (unsigned i = 0; i < 21; i++) {
        while (katomic_load(&task->polled_at, memory_order_acquire) ==
               0) // the spawn, or the last wake
            cpu_relax();
        sleep_until_tick(pit_ticks() + 2); // CPU 1 is asleep again by now
        katomic_store(&task->polled_at, 0, memory_order_relaxed);
        unsigned long ipis = trace_cpu_counts(0).ipis_sent;
        uint64_t woken = cpu_rdtsc();
        executor_wake(id);
        while (katomic_load(&task->polled_at, memory_order_acquire) == 0)
            cpu_relax();
        if (i) // the first one warms up
            kprintf(
                "bench: wake latency_tsc=%llu ipis=%lu cpu=%u\n",
                (unsigned long long)(katomic_load(&task->polled_at, memory_order_relaxed) - woken),
                trace_cpu_counts(0).ipis_sent - ipis,
                katomic_load(&task->cpu, memory_order_relaxed));
    }
    executor_cancel(&ex, id);
}

// The batch of F1, on one CPU and then on all: CPU 0 runs rounds here.
static uint64_t bench_batch(bool stealing, unsigned long *slices)
{
    static struct batch b;
    executor_set_stealing(&ex, stealing);
    batch_init(&b, BATCH_TASKS);
    uint64_t start = cpu_rdtsc();
    for (unsigned i = 0; i < BATCH_TASKS; i++) {
        struct batch_worker w;
        batch_worker_init(&w, &b, BATCH_MS, iterations_per_ms);
        SPAWN(&w, NULL);
    }
    while (katomic_load(&b.left, memory_order_acquire))
        if (!executor_run_ready_tasks(&ex))
            executor_sleep_if_idle(&ex);
    uint64_t took = cpu_rdtsc() - start;
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
        slices[cpu] = batch_slices(&b, cpu);
    executor_set_stealing(&ex, true);
    return took;
}

static void bench_two_cpus(void)
{
    if (ex.cpu_count < 2)
        return; // booted with one CPU: nothing to compare
    bench_cross_cpu_wakes();
    unsigned long slices[2][CPUS_MAX];
    uint64_t one = bench_batch(false, slices[0]);
    struct trace_executor_counts before = trace_executor_counts();
    unsigned long ipis = trace_cpu_counts(0).ipis_sent + trace_cpu_counts(1).ipis_sent;
    uint64_t two = bench_batch(true, slices[1]);
    ipis = trace_cpu_counts(0).ipis_sent + trace_cpu_counts(1).ipis_sent - ipis;
    kprintf("bench: batch tasks=%u slices=%u one_cpu_tsc=%llu two_cpus_tsc=%llu "
            "speedup_x100=%llu spread=%lu wakes=%lu ipis=%lu\n",
            BATCH_TASKS, BATCH_MS, (unsigned long long)one, (unsigned long long)two,
            (unsigned long long)(one * 100 / two), slices[1][1],
            trace_executor_counts().wakes - before.wakes, ipis);
}

// ---- the kernel --------------------------------------------------------------

static void ap_main(void) { executor_run(&ex); } // every CPU but 0: an executor

#ifdef IDLE_NAIVE
#ifndef IDLE_BUG
#define IDLE_BUG noflag
#endif
#define IDLE_STRING_(x) #x
#define IDLE_STRING(x)  IDLE_STRING_(x)
// The naive twin: IDLE_BUG (make's), or `idle_bug=NAME` on the command line.
static enum executor_idle naive_idle(const char **name)
{
    static const struct {
        const char *name;
        enum executor_idle idle;
    } twins[] = {{"noflag", EXECUTOR_IDLE_NOFLAG},
                 {"nofence", EXECUTOR_IDLE_NOFENCE},
                 {"noipi", EXECUTOR_IDLE_NOIPI}};
    char word[16];
    if (!boot_cmdline_value("idle_bug", word, sizeof word))
        ksnprintf(word, sizeof word, "%s", IDLE_STRING(IDLE_BUG));
    for (unsigned i = 0; i < sizeof twins / sizeof twins[0]; i++)
        if (strlen(word) == strlen(twins[i].name) &&
            memcmp(word, twins[i].name, strlen(word)) == 0) {
            *name = twins[i].name;
            return twins[i].idle;
        }
    *name = "noflag";
    return EXECUTOR_IDLE_NOFLAG;
}
#endif

void kmain(void)
{
#ifdef IDLE_NAIVE
    const char *bug;
    enum executor_idle idle = naive_idle(&bug);
    kprintf("Chapter 06, NAIVE (%s): an idle loop that loses wakeups on two CPUs\n", bug);
#else
    kprintf("Chapter 06: two CPUs, an executor on each, stealing work\n");
#endif
    measure_clocks();
    timer_list_init(&timers, pit_ticks, pit_hz());
    pit_set_hook(timer_tick);
    keyboard_set_hook(bench_keys_booted() ? bench_keys_timed(keyboard_byte) : keyboard_byte);
    serial_set_receive_hook(serial_byte);
    ipi_set_handler(ipi_received);
    executor_init(&ex, smp_cpu_count(), lapic_send_ipi);
#ifdef IDLE_NAIVE
    executor_set_idle(&ex, idle);
#endif
    fault_report_install(&ex);

    // CPU 0 alone, for now: the same start as chapter 05's.
    struct example_task example;
    example_task_init(&example);
    SPAWN(&example, NULL);
    while (executor_run_ready_tasks(&ex))
        ;
    struct talker a, b;
    talker_init(&a, "A", 3);
    talker_init(&b, "B", 3);
    SPAWN(&a, NULL);
    SPAWN(&b, NULL);
    kprintf("two tasks taking turns:");
    while (executor_run_ready_tasks(&ex))
        ;
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
    struct serial_echo echo;
    serial_echo_init(&echo, &serial, show_byte_cost, NULL);
    struct clock_task clock = {.resume = ASYNC_START};
    future_init(&clock.base, clock_task_poll);
    SPAWN(&keys, NULL);
    SPAWN(&echo, NULL);
    SPAWN(&clock, clock_task_drop);
    while (executor_run_ready_tasks(&ex)) // each has started (and awaits) before CPU 1 runs
        ;
    smp_start_aps(ap_main);
    kprintf("%u CPUs run the executor. Type; F1 starts a batch, F2 or F3 a hog.\n", ex.cpu_count);
    if (bench_keys_booted()) { // `make bench`: two CPUs' figures, then the kernel types keys
        bench_two_cpus();
        trace_bench_keys(bench_keys_last_press);
        bench_keys_start(timer_tick);
        kprintf("bench: ready\n");
    }
    executor_run(&ex); // on CPU 0 too; each CPU sleeps whenever it finds nothing to do
    // endregion: kmain_tasks
}

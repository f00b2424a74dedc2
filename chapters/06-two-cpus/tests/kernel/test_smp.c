// The executor on two CPUs in QEMU (-smp 2): a batch spreads over both CPUs
// by stealing (and stays on one with stealing off); a task is polled on one
// CPU at a time under a flood of wakes from both CPUs and from interrupts;
// a wake on CPU 0 is polled on CPU 1, which it calls, at once.
#include "batch.h"
#include "cpu.h"
#include "executor.h"
#include "katomic.h"
#include "kprintf.h"
#include "ktest.h"
#include "lapic.h"
#include "pit.h"
#include "trace.h"
#include "two_cpus.h"

static struct executor ex;
static struct batch batch;

#define BATCH_WORKERS 8
#define BATCH_SLICES  40

// CPU 1 runs the executor; CPU 0 spawns a batch, then runs rounds too until
// it is done. With `wait_for_steal`, CPU 0 lets CPU 1 steal first (however
// slowly the host runs CPU 1's thread), so that both CPUs surely get work.
static void run_batch(bool stealing, bool wait_for_steal)
{
    two_cpus_start();
    executor_init(&ex, 2, lapic_send_ipi);
    executor_set_stealing(&ex, stealing);
    batch_init(&batch, BATCH_WORKERS);
    unsigned long steals = trace_cpu_counts(1).steals;
    two_cpus_run(&ex);
    for (unsigned i = 0; i < BATCH_WORKERS; i++) {
        struct batch_worker w;
        batch_worker_init(&w, &batch, BATCH_SLICES, 20000);
        KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &w, NULL, NULL), EXECUTOR_SPAWNED);
    }
    uint64_t give_up = pit_ticks() + 3000; // a hang, not a speed test
    while (wait_for_steal && trace_cpu_counts(1).steals == steals) {
        KTEST_ASSERT(pit_ticks() < give_up);
        cpu_relax();
    }
    while (katomic_load(&batch.left, memory_order_acquire)) {
        KTEST_ASSERT(pit_ticks() < give_up);
        if (!executor_run_ready_tasks(&ex))
            executor_sleep_if_idle(&ex);
    }
    two_cpus_stop();
    kprintf("batch of %u x %u slices: CPU 0 ran %lu, CPU 1 ran %lu; CPU 1 stole %lu tasks\n",
            BATCH_WORKERS, BATCH_SLICES, batch_slices(&batch, 0), batch_slices(&batch, 1),
            trace_cpu_counts(1).steals - steals);
    KTEST_ASSERT_EQ(batch_total_slices(&batch), BATCH_WORKERS * BATCH_SLICES);
    KTEST_ASSERT_EQ(executor_task_count(&ex), 0);
}

KTEST(smp_a_batch_spreads_over_both_cpus_by_stealing)
{
    run_batch(true, true);
    KTEST_ASSERT(batch_slices(&batch, 0) > 0);
    KTEST_ASSERT(batch_slices(&batch, 1) > 0);
}

KTEST(smp_with_stealing_off_a_batch_stays_on_the_cpu_that_spawned_it)
{
    run_batch(false, false);
    KTEST_ASSERT_EQ(batch_slices(&batch, 0), BATCH_WORKERS * BATCH_SLICES);
    KTEST_ASSERT_EQ(batch_slices(&batch, 1), 0);
}

// ---- one CPU at a time ----

// Tasks that wake each other (two others at every poll, themselves at every
// fourth), while the timer's interrupt wakes them too: wakes cross between
// the CPUs all the time. Each poll notes that it is under way, and counts an
// overlap if another poll of the same task already was. Each wake is counted
// before it is made, and each poll notes the count it saw: at the end, every
// task's last poll must have seen its last wake.
#define JUMPY 16
static struct task_id jumpy_ids[JUMPY];
static _Atomic unsigned in_poll[JUMPY], overlaps;
static _Atomic uint32_t issued[JUMPY], seen[JUMPY], polls[JUMPY];
static _Atomic bool waking;

struct jumpy {
    struct future base;
    unsigned index;
};

static void wake_jumpy(unsigned j)
{
    katomic_fetch_add(&issued[j], 1, memory_order_release);
    executor_wake(jumpy_ids[j]);
}

static enum poll jumpy_poll(struct future *f, struct context *cx)
{
    (void)cx;
    unsigned i = CONTAINER_OF(f, struct jumpy, base)->index;
    if (katomic_exchange(&in_poll[i], 1, memory_order_acq_rel))
        katomic_fetch_add(&overlaps, 1, memory_order_relaxed);
    katomic_store(&seen[i], katomic_load(&issued[i], memory_order_acquire), memory_order_relaxed);
    uint32_t n = katomic_fetch_add(&polls[i], 1, memory_order_relaxed);
    for (volatile unsigned spin = 0; spin < 300; spin++) // long enough for the other CPU to try
        ;
    if (katomic_load(&waking, memory_order_relaxed)) {
        wake_jumpy((i * 7 + n) % JUMPY);
        wake_jumpy((i + 3 * n + 1) % JUMPY);
        if (n % 4 == 0)
            wake_jumpy(i);
    }
    katomic_store(&in_poll[i], 0, memory_order_release);
    return POLL_PENDING;
}

static void wake_at_ticks(uint64_t ticks)
{
    if (katomic_load(&waking, memory_order_relaxed))
        wake_jumpy((unsigned)(ticks % JUMPY)); // interrupt context: into the injector
}

static bool caught_up(void)
{
    for (unsigned i = 0; i < JUMPY; i++)
        if (katomic_load(&seen[i], memory_order_relaxed) !=
            katomic_load(&issued[i], memory_order_relaxed))
            return false;
    return true;
}

KTEST(smp_a_task_is_polled_on_one_cpu_at_a_time)
{
    two_cpus_start();
    executor_init(&ex, 2, lapic_send_ipi);
    for (unsigned i = 0; i < JUMPY; i++) {
        struct jumpy t = {.index = i};
        future_init(&t.base, jumpy_poll);
        KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &t, NULL, &jumpy_ids[i]), EXECUTOR_SPAWNED);
    }
    katomic_store(&waking, true, memory_order_relaxed);
    unsigned long steals = trace_cpu_counts(0).steals + trace_cpu_counts(1).steals;
    pit_set_hook(wake_at_ticks);
    two_cpus_run(&ex); // after every id is written: the polls read them
    unsigned long cpu1_polls = trace_cpu_counts(1).polls;
    uint64_t end = pit_ticks() + 20, give_up = end + 3000;
    while (pit_ticks() < end) {
        executor_run_ready_tasks(&ex);
        cpu_relax(); // under -icount, CPU 1's turn (two_cpus_busy_until says why)
    }
    katomic_store(&waking, false, memory_order_relaxed);
    pit_set_hook(NULL);
    // Drain: the wakes made before `waking` went off are all polled.
    while (!caught_up()) {
        KTEST_ASSERT(pit_ticks() < give_up); // else a wakeup was lost
        if (!executor_run_ready_tasks(&ex))
            executor_sleep_if_idle(&ex);
    }
    two_cpus_stop();
    unsigned long total_polls = 0, total_wakes = 0;
    for (unsigned i = 0; i < JUMPY; i++) {
        uint32_t p = katomic_load(&polls[i], memory_order_relaxed);
        uint32_t w = katomic_load(&issued[i], memory_order_relaxed);
        KTEST_ASSERT(p <= w + 1); // at most one poll per wake, and the first
        total_polls += p;
        total_wakes += w;
    }
    cpu1_polls = trace_cpu_counts(1).polls - cpu1_polls;
    kprintf("%lu wakes of %u tasks, %lu polls (%lu on CPU 1), %lu steals, %u overlapping polls\n",
            total_wakes, JUMPY, total_polls, cpu1_polls,
            trace_cpu_counts(0).steals + trace_cpu_counts(1).steals - steals,
            katomic_load(&overlaps, memory_order_relaxed));
    KTEST_ASSERT(cpu1_polls > 0);
    KTEST_ASSERT_EQ(katomic_load(&overlaps, memory_order_relaxed), 0);
    KTEST_ASSERT(total_polls > 1000);
    KTEST_ASSERT_EQ(injector_overflows(&ex.injector), 0);
    KTEST_ASSERT_EQ(deque_overflows(&ex.cpus[0].ready) + deque_overflows(&ex.cpus[1].ready), 0);
}

// ---- a wake that crosses CPUs ----

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

static bool ticks_reached(void *tick) { return pit_ticks() >= *(uint64_t *)tick; }

// CPU 0, outside any round, wakes a task while CPU 1 sleeps, then spins
// until it has run: CPU 1 is called (one IPI), steals the task from CPU 0's
// deque and polls it, within a tenth of a tick. Under -icount the latency
// is in guest instructions, the same every run.
KTEST_ICOUNT(smp_a_wake_on_cpu0_is_polled_on_cpu1_at_once)
{
    two_cpus_start();
    executor_init(&ex, 2, lapic_send_ipi);
    two_cpus_run(&ex);
    struct pinged p = {0};
    future_init(&p.base, pinged_poll);
    struct task_id id;
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &p, NULL, &id), EXECUTOR_SPAWNED);
    struct pinged *task = (struct pinged *)task_future(ex.slots[id.slot].task);
    uint64_t start = pit_ticks(), start_tsc = cpu_rdtsc(), max = 0, sum = 0;
    unsigned wakes = 10;
    for (unsigned i = 0; i <= wakes; i++) {
        while (katomic_load(&task->polled_at, memory_order_acquire) ==
               0) // the spawn's, the last wake's
            cpu_relax();
        KTEST_ASSERT_EQ(katomic_load(&task->cpu, memory_order_relaxed), 1);
        if (i == wakes)
            break;
        uint64_t tick = pit_ticks() + 2; // CPU 1 is asleep again by then
        KTEST_ASSERT(ktest_wait_until(ticks_reached, &tick, 10));
        katomic_store(&task->polled_at, 0, memory_order_relaxed);
        unsigned long ipis = trace_cpu_counts(0).ipis_sent;
        uint64_t woken = cpu_rdtsc();
        executor_wake(id);
        KTEST_ASSERT_EQ(trace_cpu_counts(0).ipis_sent - ipis, 1);
        while (katomic_load(&task->polled_at, memory_order_acquire) == 0)
            cpu_relax();
        uint64_t latency = katomic_load(&task->polled_at, memory_order_relaxed) - woken;
        sum += latency;
        max = latency > max ? latency : max;
    }
    uint64_t tsc_per_tick = (cpu_rdtsc() - start_tsc) / (pit_ticks() - start);
    kprintf("cross-CPU wake: %u wakes, latency mean %lu max %lu of %lu cycles a tick, 1 IPI each\n",
            wakes, (unsigned long)(sum / wakes), (unsigned long)max, (unsigned long)tsc_per_tick);
    KTEST_ASSERT(max < tsc_per_tick / 10);
    executor_cancel(&ex, id);
    two_cpus_stop();
}

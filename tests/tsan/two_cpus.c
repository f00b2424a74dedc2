// Chapter 06's executor on two CPUs, each a thread, under ThreadSanitizer.
// Each CPU runs rounds and sleeps between them with the real idle loop
// (announce, fence, look, hlt); tasks wake each other (from whichever CPU
// polls them) and themselves, and a device thread wakes tasks from
// interrupts of CPU 0. IPIs are cpu_threads' (a condition variable's
// signal). Afterwards:
// - a task was never polled on both CPUs at once (each poll marks it, and
//   finds it unmarked);
// - no wakeup was lost: every task's last poll saw its last wake, and no CPU
//   ever slept for a second with a task it could take (cpu_threads' watch);
// - a task was polled at most once per wake, and no queue overflowed;
// - both CPUs polled, stole, and called each other.
//
// tsan-sources: {chapter}/src/executor.c {chapter}/src/deque.c {chapter}/src/injector.c
// tsan-sources: {chapter}/src/task.c {chapter}/src/future.c kernel-base/lib/spinlock.c
// tsan-sources: kernel-base/lib/mem.c kernel-base/host/mem.c
// tsan-include: {chapter}/src kernel-base/include kernel-base/host tests/tsan
// tsan-requires: {chapter}/src/executor.h {chapter}/src/deque.h {chapter}/src/injector.h
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu_threads.h"
#include "executor.h"

#define CPUS       2
#define TASKS      24
#define IRQ_WAKES  20000u
#define TASK_WAKES 150000u // wakes from tasks, after which they stop waking others
#define WATCH_MS   1000    // asleep this long with a task it could take: lost
#define WATCHDOG_S 50      // no progress for this long: a hang (a busy machine only slows it)

static struct executor ex;
static struct task_id ids[TASKS];
static _Atomic uint32_t issued[TASKS]; // wakes issued per task, counted before each wake
static _Atomic uint32_t seen[TASKS];   // issued[] as the task's latest poll read it
static _Atomic uint32_t polls[TASKS];
static _Atomic bool in_poll[TASKS];
static _Atomic unsigned overlaps, task_wakes;
static _Atomic unsigned long polled_on[CPUS], ipis_taken[CPUS];
static _Atomic bool stop;
static _Atomic unsigned stopped;

struct counting_task {
    struct future base;
    unsigned index;
    uint32_t rng; // only its poll touches it: one CPU at a time, or TSan says so
};

static void wake_task(unsigned i)
{
    atomic_fetch_add_explicit(&issued[i], 1, memory_order_release);
    executor_wake(ids[i]);
}

static enum poll counting_poll(struct future *f, struct context *cx)
{
    (void)cx;
    struct counting_task *self = (struct counting_task *)f;
    unsigned i = self->index;
    if (atomic_exchange(&in_poll[i], true))
        atomic_fetch_add(&overlaps, 1);
    atomic_store_explicit(&seen[i], atomic_load_explicit(&issued[i], memory_order_acquire),
                          memory_order_relaxed);
    atomic_fetch_add_explicit(&polls[i], 1, memory_order_relaxed);
    cpu_threads_progress();
    atomic_fetch_add_explicit(&polled_on[cpu_index()], 1, memory_order_relaxed);
    self->rng ^= self->rng << 13;
    self->rng ^= self->rng >> 17;
    self->rng ^= self->rng << 5;
    if (atomic_fetch_add(&task_wakes, 1) < TASK_WAKES) {
        wake_task(self->rng % TASKS); // another task, or this one
        if (self->rng % 4 == 0)
            wake_task((self->rng >> 8) % TASKS);
    }
    atomic_store(&in_poll[i], false);
    return POLL_PENDING;
}

static void count_ipi(void) { atomic_fetch_add(&ipis_taken[cpu_index()], 1); }

// What cpu_threads' watch asks of a CPU asleep a second: a task it could
// take means nobody called it.
static bool could_take_a_task(unsigned cpu)
{
    if (!deque_is_empty(&ex.cpus[cpu].ready) || !injector_is_empty(&ex.injector))
        return true;
    for (unsigned other = 0; other < CPUS; other++)
        if (other != cpu && !deque_is_empty(&ex.cpus[other].ready))
            return true;
    return false;
}

static void *cpu_main(void *arg)
{
    cpu_threads_set_cpu((unsigned)(uintptr_t)arg);
    while (!atomic_load(&stop)) {
        executor_run_ready_tasks(&ex);
        executor_sleep_if_idle(&ex);
    }
    atomic_fetch_add(&stopped, 1);
    return NULL;
}

static void irq_wake(void *arg) { wake_task(*(unsigned *)arg); }

static void *device(void *arg)
{
    (void)arg;
    uint32_t rng = 0x2545F491u;
    for (unsigned n = 0; n < IRQ_WAKES; n++) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        unsigned i = rng % TASKS;
        cpu_threads_interrupt_on(0, irq_wake, &i);
        if (rng % 16 == 0)
            sched_yield();
    }
    return NULL;
}

static bool caught_up(void)
{
    for (unsigned i = 0; i < TASKS; i++)
        if (atomic_load(&seen[i]) != atomic_load(&issued[i]))
            return false;
    return true;
}

int main(void)
{
    cpu_threads_watchdog("two_cpus", WATCHDOG_S);
    cpu_threads_set_ipi_handler(count_ipi);
    cpu_threads_halt_watch(WATCH_MS, could_take_a_task);
    executor_init(&ex, CPUS, cpu_threads_ipi);
    for (unsigned i = 0; i < TASKS; i++) {
        struct counting_task t = {.index = i, .rng = 2654435761u * (i + 1)};
        future_init(&t.base, counting_poll);
        if (EXECUTOR_SPAWN(&ex, &t, NULL, &ids[i]) != EXECUTOR_SPAWNED) {
            fprintf(stderr, "two_cpus: spawn %u failed\n", i);
            return 1;
        }
    }
    pthread_t cpus[CPUS], dev;
    for (uintptr_t cpu = 0; cpu < CPUS; cpu++) // after every id is written: the polls read them
        pthread_create(&cpus[cpu], NULL, cpu_main, (void *)cpu);
    pthread_create(&dev, NULL, device, NULL);
    pthread_join(dev, NULL);
    // The tasks stop waking each other after TASK_WAKES; then every wake is
    // polled, or cpu_threads' watch reports the CPU that slept through it.
    while (atomic_load(&task_wakes) < TASK_WAKES || !caught_up())
        sched_yield();
    unsigned long ipis = ipis_taken[0] + ipis_taken[1];
    // Stop: an IPI ends a CPU's hlt, but one that comes before its cli is
    // taken then, and its hlt sleeps on: call until both have stopped.
    atomic_store(&stop, true);
    while (atomic_load(&stopped) < CPUS) {
        for (unsigned cpu = 0; cpu < CPUS; cpu++)
            cpu_threads_ipi(cpu);
        sched_yield();
    }
    for (unsigned cpu = 0; cpu < CPUS; cpu++)
        pthread_join(cpus[cpu], NULL);

    unsigned long total_polls = 0, total_wakes = 0;
    for (unsigned i = 0; i < TASKS; i++) {
        if (polls[i] > issued[i] + 1) {
            fprintf(stderr, "two_cpus: task %u polled %u times for %u wakes\n", i, polls[i],
                    issued[i]);
            return 1;
        }
        total_polls += polls[i];
        total_wakes += issued[i];
    }
    uint32_t overflows = injector_overflows(&ex.injector);
    for (unsigned cpu = 0; cpu < CPUS; cpu++)
        overflows += deque_overflows(&ex.cpus[cpu].ready);
    if (overlaps || overflows || !polled_on[0] || !polled_on[1] || !ipis) {
        fprintf(stderr,
                "two_cpus: %u overlapping polls, %u overflows; polls on CPU 0 %lu, CPU 1 "
                "%lu; %lu IPIs taken\n",
                overlaps, overflows, polled_on[0], polled_on[1], ipis);
        return 1;
    }
    printf("two_cpus: %lu wakes of %u tasks (%u from interrupts), %lu polls (%lu on CPU 0, %lu on "
           "CPU 1), %lu IPIs taken; no overlapping poll, no wakeup lost\n",
           total_wakes, TASKS, IRQ_WAKES, total_polls, polled_on[0], polled_on[1], ipis);
    return 0;
}

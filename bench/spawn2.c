// Figure spawn2_spawn_run: spawn-and-run throughput of chapter 06's executor
// on two CPUs, each a host thread running executor_run (bench/two_cpus.c),
// paired with tokio's multi-thread runtime and async-executor, each on two
// worker threads (bench/rust/src/spawn2.rs). An iteration: the main thread,
// from outside the runtime, starts a spawner task, which spawns TASKS small
// tasks; each counts itself done, and the last one wakes the main thread,
// which waits. A figure is per small task: a spawn, a queueing, perhaps a
// steal, a poll and a free, plus the iteration's handoffs shared by TASKS.
// - here the main thread is an interrupt of a third CPU that runs no
//   executor: it wakes the spawner (kept between iterations, since a
//   handler may not spawn) into the injector and calls a sleeping CPU with
//   an IPI (a futex); the Rust side spawns its spawner with the runtime's
//   handle, into its global queue, and unparks a worker (a futex).
// - the table holds EXECUTOR_MAX_TASKS tasks: when it is full, the spawner
//   wakes itself and goes on in its next poll. tokio's and async-executor's
//   queues grow instead.
#include <pthread.h>
#include <stdatomic.h>

#include "executor.h"
#include "harness.h"
#include "panic.h"
#include "two_cpus.h"

#define TASKS 1000
#define CPUS  2

static struct executor ex;
static struct task_id spawner_id;
static _Atomic uint32_t requested; // small tasks the spawner is asked for
static _Atomic uint32_t left;      // small tasks not done yet
static _Atomic uint32_t done;      // the main thread's event

struct small {
    struct future base;
};

static enum poll small_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    if (atomic_fetch_sub_explicit(&left, 1, memory_order_acq_rel) == 1)
        two_cpus_signal(&done);
    return POLL_READY;
}

struct spawner_task {
    struct future base;
    uint32_t owed; // asked for, not yet spawned (the table was full)
};

static enum poll spawner_poll(struct future *f, struct context *cx)
{
    struct spawner_task *self = (struct spawner_task *)f;
    self->owed += atomic_exchange_explicit(&requested, 0, memory_order_acquire);
    for (; self->owed; self->owed--) {
        struct small t;
        future_init(&t.base, small_poll);
        if (EXECUTOR_SPAWN(&ex, &t, NULL, NULL) != EXECUTOR_SPAWNED) {
            waker_wake_by_ref(cx->waker); // full: go on when some have finished
            break;
        }
    }
    return POLL_PENDING;
}

static void *cpu_main(void *arg)
{
    two_cpus_set_cpu((unsigned)(uintptr_t)arg);
    executor_run(&ex);
}

static void wake_spawner(void *arg)
{
    (void)arg;
    executor_wake(spawner_id);
}

// Once: the executor, the spawner task (queued on CPU 0 before it runs),
// and the two CPU threads, which run for the rest of the program.
static void start(void)
{
    static bool started;
    if (started)
        return;
    started = true;
    executor_init(&ex, CPUS, two_cpus_ipi);
    struct spawner_task s = {0};
    future_init(&s.base, spawner_poll);
    if (EXECUTOR_SPAWN(&ex, &s, NULL, &spawner_id) != EXECUTOR_SPAWNED)
        panic("spawn2: the spawner did not spawn");
    for (uintptr_t cpu = 0; cpu < CPUS; cpu++) {
        pthread_t t;
        if (pthread_create(&t, NULL, cpu_main, (void *)cpu))
            panic("spawn2: no thread for CPU %u", (unsigned)cpu);
    }
    two_cpus_set_cpu(CPUS); // the main thread: a CPU outside the executor
}

static void run_spawn_run(uint64_t iterations)
{
    start();
    for (uint64_t n = 0; n < iterations; n++) {
        atomic_store_explicit(&done, 0, memory_order_relaxed);
        atomic_store_explicit(&left, TASKS, memory_order_relaxed);
        atomic_store_explicit(&requested, TASKS, memory_order_release);
        two_cpus_interrupt(CPUS, wake_spawner, NULL);
        two_cpus_wait(&done);
    }
    two_cpus_sync_counts();
}

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"spawn2_spawn_run", run_spawn_run, TASKS},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

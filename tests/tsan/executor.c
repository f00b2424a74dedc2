// The waker executor on real threads under ThreadSanitizer: two interrupt
// threads wake tasks (in bursts, and now and then a finished task's stale
// id) while the executor thread runs run_ready_tasks, and tasks sometimes
// wake themselves as they are polled. Afterwards:
// - no wakeup was lost: the last poll of every task saw its last wake;
// - a task was polled at most once per wake (the queued bit), and the ready
//   queue never overflowed (a queue as large as the table is enough);
// - stale wakes polled nothing.
// The ready queue relies on interrupts being off around push and pop; here
// that is cpu_threads.c's lock, which the interrupt threads' wakes hold.
// Where the executor has executor_sleep_if_idle (chapter 05 on), the executor
// thread sleeps through it between rounds, so a halt that sleeps through a
// wake is a lost wakeup (cpu_threads_halt_watch), and TSan sees its accesses.
//
// tsan-sources: {chapter}/src/executor.c {chapter}/src/ready_queue.c {chapter}/src/task.c
// tsan-sources: {chapter}/src/future.c kernel-base/lib/mem.c kernel-base/host/mem.c
// tsan-include: {chapter}/src kernel-base/include kernel-base/host tests/tsan
// tsan-requires: {chapter}/src/executor.h {chapter}/src/ready_queue.h
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu_threads.h"
#include "executor.h"

#define TASKS            (EXECUTOR_MAX_TASKS - 1) // the table full, but for the finished task's slot
#define WAKES_PER_THREAD cpu_threads_count(200000u, 50000u)
#define WATCHDOG_S       50   // no progress for this long: a hang (a busy machine only slows it)
#define LOST_AFTER_MS    2000 // halted this long with a task ready: lost

// Only chapters from 05 on have it: declared again, weak, for the others.
void executor_sleep_if_idle(struct executor *ex) __attribute__((weak));

static struct executor ex;
static struct task_id ids[TASKS], stale_id;
static _Atomic uint32_t issued[TASKS]; // wakes issued per task, counted before each wake
static uint32_t seen[TASKS];           // issued[] as the task's latest poll read it
static uint32_t polls[TASKS];          // both: the executor thread's only
static _Atomic uint32_t stale_issued;
static _Atomic int wakers_running = 2;
static _Atomic bool executor_done;
static unsigned stale_polls;

struct counting_task {
    struct future base;
    int index; // -1: the task that finishes at once, whose id goes stale
};

static enum poll counting_poll(struct future *f, struct context *cx)
{
    struct counting_task *self = (struct counting_task *)f;
    if (self->index < 0) {
        stale_polls++;
        return POLL_READY;
    }
    int i = self->index;
    seen[i] = atomic_load_explicit(&issued[i], memory_order_acquire);
    cpu_threads_progress();
    // Every 8th poll the task wakes itself, from task context.
    if (++polls[i] % 8 == 0) {
        atomic_fetch_add_explicit(&issued[i], 1, memory_order_release);
        waker_wake_by_ref(cx->waker);
    }
    return POLL_PENDING;
}

static void wake_handler(void *arg)
{
    struct waker w = executor_waker(*(struct task_id *)arg);
    waker_wake_by_ref(&w);
}

static void *waking(void *arg)
{
    uint32_t rng = (uint32_t)(uintptr_t)arg * 2654435761u | 1;
    for (uint32_t n = 0; n < WAKES_PER_THREAD;) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        if (rng % 32 == 0) { // a wake for a task that finished long ago
            atomic_fetch_add(&stale_issued, 1);
            cpu_threads_interrupt(wake_handler, &stale_id);
            n++;
            continue;
        }
        int i = (int)(rng >> 8) % TASKS;
        for (unsigned burst = 1 + (rng >> 4) % 4; burst && n < WAKES_PER_THREAD; burst--, n++) {
            atomic_fetch_add_explicit(&issued[i], 1, memory_order_release);
            cpu_threads_interrupt(wake_handler, &ids[i]);
        }
        if (rng % 8 == 0)
            sched_yield();
    }
    atomic_fetch_sub(&wakers_running, 1);
    while (!atomic_load(&executor_done)) { // end the executor's last halt
        cpu_threads_interrupt(wake_handler, &stale_id);
        sched_yield();
    }
    return NULL;
}

static bool ready(unsigned cpu)
{
    (void)cpu;
    return !ready_queue_is_empty(&ex.ready);
}

static void spawn(int index, struct task_id *id)
{
    struct counting_task t = {.index = index};
    future_init(&t.base, counting_poll);
    if (EXECUTOR_SPAWN(&ex, &t, NULL, id) != EXECUTOR_SPAWNED) {
        fprintf(stderr, "executor: spawn %d failed\n", index);
        exit(1);
    }
}

int main(void)
{
    cpu_threads_watchdog("executor", WATCHDOG_S);
    cpu_threads_halt_watch(LOST_AFTER_MS, ready);
    executor_init(&ex);
    spawn(-1, &stale_id);
    executor_run_ready_tasks(&ex); // it finishes: its id is stale from now on
    for (int i = 0; i < TASKS; i++)
        spawn(i, &ids[i]);

    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, waking, (void *)(i + 1));
    while (atomic_load(&wakers_running)) {
        executor_run_ready_tasks(&ex);
        if (executor_sleep_if_idle && atomic_load(&wakers_running))
            executor_sleep_if_idle(&ex);
    }
    atomic_store(&executor_done, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    // Drain: a task that wakes itself stays ready, so stop when every task's
    // last poll saw its last wake, or give up (the alarm) if one never does.
    for (bool caught_up = false; !caught_up;) {
        executor_run_ready_tasks(&ex);
        caught_up = true;
        for (int i = 0; i < TASKS; i++)
            if (seen[i] != atomic_load(&issued[i]))
                caught_up = false;
        if (!caught_up && ready_queue_is_empty(&ex.ready)) {
            for (int i = 0; i < TASKS; i++)
                if (seen[i] != atomic_load(&issued[i]))
                    fprintf(stderr,
                            "executor: lost wakeup: task %d saw %u of %u wakes and is "
                            "not queued\n",
                            i, seen[i], atomic_load(&issued[i]));
            return 1;
        }
    }

    uint64_t total_polls = 0, total_issued = 0;
    for (int i = 0; i < TASKS; i++) {
        if (polls[i] > atomic_load(&issued[i]) + 1) {
            fprintf(stderr, "executor: task %d polled %u times for %u wakes\n", i, polls[i],
                    atomic_load(&issued[i]));
            return 1;
        }
        total_polls += polls[i];
        total_issued += atomic_load(&issued[i]);
    }
    uint32_t stale = atomic_load(&stale_issued);
    if (ready_queue_overflows(&ex.ready) || stale_polls != 1) {
        fprintf(stderr,
                "executor: %u overflows; the finished task polled %u times (%u stale wakes)\n",
                ready_queue_overflows(&ex.ready), stale_polls, stale);
        return 1;
    }
    printf("executor: %llu wakes of %d tasks from 2 threads and the tasks, %llu polls (%.2f per "
           "wake), %u stale wakes ignored, no overflow, no wakeup lost\n",
           (unsigned long long)total_issued, TASKS, (unsigned long long)total_polls,
           (double)total_polls / (double)total_issued, stale);
    return 0;
}

// Timers on real threads under ThreadSanitizer: a "timer interrupt" thread
// advances the tick and runs timer_list_expire (as an interrupt:
// cpu_threads_interrupt), while a task thread sleeps for 1 to 3 ticks over
// and over: polls the sleep, and on POLL_PENDING really sleeps (a condition
// variable) until its waker is woken. Every sleep must end, never before its
// deadline, and never with the task asleep past it (a lost expiry); and the
// handler must only ever read an entry that its sleep finished writing.
//
// The timer assumes one CPU: a sleep gives its entry back knowing that the
// handler is not running. Here the handler runs in parallel, so after each
// sleep the task waits two ticks before it takes an entry again: by then
// every pass of the handler that could still look at the old entry is over,
// and ordered before the task (each pass ends by storing its count, release).
//
// tsan-sources: {chapter}/src/timer.c {chapter}/src/atomic_waker.c {chapter}/src/future.c
// tsan-include: {chapter}/src kernel-base/include tests/tsan
// tsan-requires: {chapter}/src/timer.h
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_threads.h"
#include "timer.h"

#define SLEEPS       20000u
#define LOST_AFTER_S 5  // asleep this long past the deadline: lost
#define WATCHDOG_S   50 // no progress for this long: a hang (a busy machine only slows it)

static struct timer_list timers;
static _Atomic uint64_t ticks, passes;
static _Atomic bool done;
static uint64_t now(void) { return atomic_load_explicit(&ticks, memory_order_acquire); }

static struct parker {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool woken;
} parker = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

static void unpark(const void *data)
{
    (void)data;
    pthread_mutex_lock(&parker.lock);
    parker.woken = true;
    pthread_cond_signal(&parker.cond);
    pthread_mutex_unlock(&parker.lock);
}
static void nothing(const void *data) { (void)data; }
static struct waker parker_clone(const void *data);
static const struct waker_vtable parker_vtable = {
    .clone = parker_clone, .wake = unpark, .wake_by_ref = unpark, .drop = nothing};
static struct waker parker_clone(const void *data) { return (struct waker){data, &parker_vtable}; }

// Sleep until woken; false after LOST_AFTER_S without a wake.
static bool park(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += LOST_AFTER_S;
    pthread_mutex_lock(&parker.lock);
    int err = 0;
    while (!parker.woken && err != ETIMEDOUT)
        err = pthread_cond_timedwait(&parker.cond, &parker.lock, &deadline);
    bool woken = parker.woken;
    parker.woken = false;
    pthread_mutex_unlock(&parker.lock);
    return woken;
}

static uint64_t parks;

static void *task(void *arg)
{
    (void)arg;
    struct waker w = {&parker, &parker_vtable};
    struct context cx = {.waker = &w};
    for (uint32_t i = 0; i < SLEEPS; i++) {
        cpu_threads_progress();
        uint64_t n = 1 + i % 3, start = now();
        struct sleep s;
        sleep_ticks_init(&s, &timers, n);
        while (future_poll(&s.base, &cx) == POLL_PENDING) {
            parks++;
            if (!park() && now() >= s.deadline) {
                fprintf(stderr, "timer: lost expiry: sleep %u asleep %d s past its deadline\n", i,
                        LOST_AFTER_S);
                exit(1);
            }
        }
        uint64_t end = now();
        if (end < start + n) {
            fprintf(stderr, "timer: sleep %u of %llu ticks ended after %llu\n", i,
                    (unsigned long long)n, (unsigned long long)(end - start));
            exit(1);
        }
        while (atomic_load_explicit(&passes, memory_order_acquire) < end + 2)
            sched_yield();
    }
    atomic_store(&done, true);
    return NULL;
}

static void tick_irq(void *arg)
{
    (void)arg;
    // The clock moves first, as the PIT's counter does before its handler runs.
    uint64_t next = atomic_fetch_add_explicit(&ticks, 1, memory_order_release) + 1;
    timer_list_expire(&timers, next);
    atomic_store_explicit(&passes, next, memory_order_release); // this pass is over
}

static void *timer_interrupt(void *arg)
{
    (void)arg;
    while (!atomic_load(&done)) {
        cpu_threads_interrupt(tick_irq, NULL);
        sched_yield();
    }
    return NULL;
}

int main(void)
{
    cpu_threads_watchdog("timer", WATCHDOG_S);
    timer_list_init(&timers, now, 100);
    pthread_t t[2];
    pthread_create(&t[0], NULL, timer_interrupt, NULL);
    pthread_create(&t[1], NULL, task, NULL);
    pthread_join(t[1], NULL);
    pthread_join(t[0], NULL);
    if (timer_list_in_use(&timers) != 0) {
        fprintf(stderr, "timer: %u entries still taken\n", timer_list_in_use(&timers));
        return 1;
    }
    printf("timer: %u sleeps of 1 to 3 ticks over %llu ticks, %llu times asleep, each woken "
           "after its deadline, never before\n",
           SLEEPS, (unsigned long long)now(), (unsigned long long)parks);
    return 0;
}

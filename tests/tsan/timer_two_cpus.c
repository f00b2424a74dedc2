// Timers on two CPUs under ThreadSanitizer: a "timer interrupt" thread
// advances the tick and runs timer_list_expire as an interrupt of CPU 0,
// while a sleeper on each CPU sleeps for 1 to 3 ticks over and over, and
// takes an entry again the moment its last sleep gave one back: the handler
// may still be inside that very entry on CPU 0 (chapter 05's timer could
// assume it was not; tests/tsan/timer.c waits two ticks for it). Every
// sleep must end, never before its deadline, and never with its sleeper
// asleep past it (a lost expiry); and the handler must never read an entry
// that a sleep is giving back or filling in (a data race, for TSan).
//
// tsan-sources: {chapter}/src/timer.c {chapter}/src/atomic_waker.c {chapter}/src/future.c
// tsan-include: {chapter}/src kernel-base/include tests/tsan
// deque.h: only a chapter that runs on two CPUs has one.
// tsan-requires: {chapter}/src/timer.h {chapter}/src/deque.h
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_threads.h"
#include "timer.h"

#define SLEEPERS     2
#define SLEEPS       15000u // per sleeper
#define LOST_AFTER_S 5      // asleep this long past the deadline: lost
#define WATCHDOG_S   50     // no progress for this long: a hang (a busy machine only slows it)

static struct timer_list timers;
static _Atomic uint64_t ticks;
static _Atomic unsigned running = SLEEPERS;
static uint64_t now(void) { return atomic_load_explicit(&ticks, memory_order_acquire); }

static struct parker {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool woken;
} parkers[SLEEPERS] = {
    [0 ... SLEEPERS - 1] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false}};

static void unpark(const void *data)
{
    struct parker *p = (struct parker *)data;
    pthread_mutex_lock(&p->lock);
    p->woken = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}
static void nothing(const void *data) { (void)data; }
static struct waker parker_clone(const void *data);
static const struct waker_vtable parker_vtable = {
    .clone = parker_clone, .wake = unpark, .wake_by_ref = unpark, .drop = nothing};
static struct waker parker_clone(const void *data) { return (struct waker){data, &parker_vtable}; }

// Sleep until woken; false after LOST_AFTER_S without a wake.
static bool park(struct parker *p)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += LOST_AFTER_S;
    pthread_mutex_lock(&p->lock);
    int err = 0;
    while (!p->woken && err != ETIMEDOUT)
        err = pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
    bool woken = p->woken;
    p->woken = false;
    pthread_mutex_unlock(&p->lock);
    return woken;
}

static _Atomic uint64_t parks;

static void *sleeper(void *arg)
{
    unsigned cpu = (unsigned)(uintptr_t)arg;
    cpu_threads_set_cpu(cpu);
    struct waker w = {&parkers[cpu], &parker_vtable};
    struct context cx = {.waker = &w};
    for (uint32_t i = 0; i < SLEEPS; i++) {
        cpu_threads_progress();
        uint64_t n = 1 + (i + cpu) % 3, start = now();
        struct sleep s;
        sleep_ticks_init(&s, &timers, n);
        while (future_poll(&s.base, &cx) == POLL_PENDING) {
            atomic_fetch_add(&parks, 1);
            if (!park(&parkers[cpu]) && now() >= s.deadline) {
                fprintf(stderr,
                        "timer_two_cpus: lost expiry: CPU %u's sleep %u asleep %d s past "
                        "its deadline\n",
                        cpu, i, LOST_AFTER_S);
                exit(1);
            }
        }
        uint64_t end = now();
        if (end < start + n) {
            fprintf(stderr, "timer_two_cpus: CPU %u's sleep %u of %llu ticks ended after %llu\n",
                    cpu, i, (unsigned long long)n, (unsigned long long)(end - start));
            exit(1);
        }
    }
    atomic_fetch_sub(&running, 1);
    return NULL;
}

static void tick_irq(void *arg)
{
    (void)arg;
    // The clock moves first, as the PIT's counter does before its handler runs.
    uint64_t next = atomic_fetch_add_explicit(&ticks, 1, memory_order_release) + 1;
    timer_list_expire(&timers, next);
}

static void *timer_interrupt(void *arg)
{
    (void)arg;
    while (atomic_load(&running)) {
        cpu_threads_interrupt_on(0, tick_irq, NULL);
        sched_yield();
    }
    return NULL;
}

int main(void)
{
    cpu_threads_watchdog("timer_two_cpus", WATCHDOG_S);
    timer_list_init(&timers, now, 100);
    pthread_t t, s[SLEEPERS];
    pthread_create(&t, NULL, timer_interrupt, NULL);
    for (uintptr_t cpu = 0; cpu < SLEEPERS; cpu++)
        pthread_create(&s[cpu], NULL, sleeper, (void *)cpu);
    for (unsigned cpu = 0; cpu < SLEEPERS; cpu++)
        pthread_join(s[cpu], NULL);
    pthread_join(t, NULL);
    if (timer_list_in_use(&timers) != 0) {
        fprintf(stderr, "timer_two_cpus: %u entries still taken\n", timer_list_in_use(&timers));
        return 1;
    }
    printf("timer_two_cpus: %u sleeps of 1 to 3 ticks on each of %u CPUs over %llu ticks, %llu "
           "times asleep, each woken after its deadline, never before\n",
           SLEEPS, SLEEPERS, (unsigned long long)now(), (unsigned long long)parks);
    return 0;
}

// The atomic waker on real threads under ThreadSanitizer: two waking
// threads and one waiting thread, which uses it exactly as a poll_next does
// (register, then check, then sleep) and sleeps for real, on a condition
// variable, until its waker is woken. A lost wakeup leaves the waiter asleep
// with an event pending: it gives up after a timeout and the run fails. TSan
// checks that the waker slot (plain memory guarded by the state bits) is
// only ever touched by its owner; the reference counts check that every
// clone is dropped or woken exactly once.
//
// tsan-sources: {chapter}/src/atomic_waker.c
// tsan-include: {chapter}/src kernel-base/include
// tsan-requires: {chapter}/src/future.h
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "atomic_waker.h"
#include "cpu_threads.h"

#define EVENTS       cpu_threads_count(200000u, 40000u) // in all, half from each waking thread
#define LOST_AFTER_S 5  // asleep this long with an event pending: lost
#define WATCHDOG_S   50 // no progress for this long: a hang (a busy machine only slows it)

static struct atomic_waker aw;
static _Atomic uint32_t produced; // events made visible, by both wakers
static _Atomic uint32_t seen;     // events the waiter has seen

// Where the waiter sleeps: a flag under a mutex, set by its waker's wake.
static struct parker {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool woken;
} parker = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};

// Two wakers for the same parker, which the waiter registers in turn, so
// that register has to replace (clone the new, drop the old) as well as keep.
static const int token[2] = {0, 1};
static _Atomic long live_clones;
static _Atomic uint64_t wakes, sleeps, spurious;

static void unpark(const void *data)
{
    (void)data;
    pthread_mutex_lock(&parker.lock);
    parker.woken = true;
    pthread_cond_signal(&parker.cond);
    pthread_mutex_unlock(&parker.lock);
}

static struct waker parker_clone(const void *data);
static void parker_wake(const void *data)
{
    atomic_fetch_add(&wakes, 1);
    atomic_fetch_sub(&live_clones, 1); // consumed
    unpark(data);
}
static void parker_wake_by_ref(const void *data) { unpark(data); }
static void parker_drop(const void *data)
{
    (void)data;
    atomic_fetch_sub(&live_clones, 1);
}
static const struct waker_vtable parker_vtable = {
    .clone = parker_clone,
    .wake = parker_wake,
    .wake_by_ref = parker_wake_by_ref,
    .drop = parker_drop,
};
static struct waker parker_clone(const void *data)
{
    atomic_fetch_add(&live_clones, 1);
    return (struct waker){data, &parker_vtable};
}

// Sleep until woken; false if that took LOST_AFTER_S.
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

static void *waiter(void *arg)
{
    (void)arg;
    uint32_t have = 0;
    for (unsigned turn = 0; have < EVENTS; turn++) {
        struct waker w = {&token[turn / 3 % 2], &parker_vtable};              // the caller's own
        atomic_waker_register(&aw, &w);                                       // 1. register,
        uint32_t now = atomic_load_explicit(&produced, memory_order_acquire); // 2. check,
        if (now != have) {
            have = now;
            cpu_threads_progress();
            atomic_store_explicit(&seen, have, memory_order_release);
            continue;
        }
        atomic_fetch_add(&sleeps, 1);
        if (!park()) { // 3. sleep: a wake is now guaranteed
            if (atomic_load(&produced) != have) {
                fprintf(stderr,
                        "atomic_waker: lost wakeup: asleep %d s with events %u..%u "
                        "pending\n",
                        LOST_AFTER_S, have + 1, atomic_load(&produced));
                exit(1);
            }
            atomic_fetch_add(&spurious, 1); // nothing was pending: not lost
        }
    }
    return NULL;
}

// Make an event visible, then wake; every other event, wait until the
// waiter has seen it, so that it goes to sleep again and again.
static void *waking(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < EVENTS / 2; i++) {
        uint32_t n = atomic_fetch_add_explicit(&produced, 1, memory_order_release) + 1;
        atomic_waker_wake(&aw);
        if (i % 2 == 0)
            while (atomic_load_explicit(&seen, memory_order_acquire) < n)
                sched_yield();
    }
    return NULL;
}

int main(void)
{
    cpu_threads_watchdog("atomic_waker", WATCHDOG_S);
    atomic_waker_init(&aw);
    pthread_t t[3];
    pthread_create(&t[0], NULL, waiter, NULL);
    pthread_create(&t[1], NULL, waking, NULL);
    pthread_create(&t[2], NULL, waking, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    atomic_waker_clear(&aw);
    long live = atomic_load(&live_clones);
    if (live != 0) {
        fprintf(stderr, "atomic_waker: %ld waker clones neither dropped nor woken\n", live);
        return 1;
    }
    printf("atomic_waker: %u events, 2 waking threads: %llu sleeps, every one woken "
           "(%llu by the timeout with nothing pending); %llu wakes of the waker\n",
           EVENTS, (unsigned long long)sleeps, (unsigned long long)spurious,
           (unsigned long long)atomic_load(&wakes));
    return 0;
}

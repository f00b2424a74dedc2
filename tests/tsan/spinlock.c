// The ticket lock on real threads under ThreadSanitizer, each thread standing
// for a CPU. Nothing interrupts a thread here, so the lock without the
// interrupt flag (spin_lock) is the whole of it.
// - FIFO: while the main thread holds the lock, the others queue up one at a
//   time (each starts once the one before has taken its ticket); when the
//   main thread lets go they must enter in the order they queued.
// - Mutual exclusion, and the memory orders that come with it: threads add to
//   a plain counter under the lock. The total must be exact, and TSan must
//   see no race on the counter, which it would if the unlock's release or
//   the lock's acquire were missing.
//
// tsan-sources: kernel-base/lib/spinlock.c
// tsan-include: kernel-base/include tests/tsan
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu_threads.h"
#include "spinlock.h"

#define WAITERS     4
#define FIFO_ROUNDS 100
#define ADDERS      3
#define ADDS        50000
#define WATCHDOG_S  50 // no progress for this long: a hang (a busy machine only slows it)

static struct spinlock lock;
static unsigned order[WAITERS], entered; // under the lock
static uint64_t total;                   // under the lock

static void *waiter(void *arg)
{
    spin_lock(&lock);
    order[entered++] = (unsigned)(uintptr_t)arg;
    spin_unlock(&lock);
    return NULL;
}

static int fifo_round(unsigned round)
{
    pthread_t threads[WAITERS];
    cpu_threads_progress();
    spin_lock(&lock);
    entered = 0;
    uint32_t first = atomic_load(&lock.next); // the first waiter's ticket
    for (unsigned i = 0; i < WAITERS; i++) {
        pthread_create(&threads[i], NULL, waiter, (void *)(uintptr_t)i);
        while (atomic_load(&lock.next) != first + i + 1)
            sched_yield(); // until waiter i holds its ticket
    }
    spin_unlock(&lock);
    for (unsigned i = 0; i < WAITERS; i++)
        pthread_join(threads[i], NULL);
    for (unsigned i = 0; i < WAITERS; i++)
        if (order[i] != i) {
            fprintf(stderr, "spinlock: round %u: waiter %u entered %u-th, queued %u-th\n", round,
                    order[i], i + 1, order[i] + 1);
            return 1;
        }
    return 0;
}

static void *adder(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < ADDS; i++) {
        spin_lock(&lock);
        total++;
        spin_unlock(&lock);
        cpu_threads_progress();
    }
    return NULL;
}

int main(void)
{
    cpu_threads_watchdog("spinlock", WATCHDOG_S);
    for (unsigned round = 0; round < FIFO_ROUNDS; round++)
        if (fifo_round(round))
            return 1;

    pthread_t threads[ADDERS];
    for (unsigned i = 0; i < ADDERS; i++)
        pthread_create(&threads[i], NULL, adder, NULL);
    for (unsigned i = 0; i < ADDERS; i++)
        pthread_join(threads[i], NULL);
    if (total != (uint64_t)ADDERS * ADDS) {
        fprintf(stderr, "spinlock: total %llu, expected %llu\n", (unsigned long long)total,
                (unsigned long long)ADDERS * ADDS);
        return 1;
    }
    printf("spinlock: %u rounds of %u waiters entered in ticket order; %u threads added %llu "
           "under the lock\n",
           FIFO_ROUNDS, WAITERS, ADDERS, (unsigned long long)total);
    return 0;
}

// The whole interrupt-to-task path on real threads under ThreadSanitizer: a
// "device" thread runs the keyboard handler (irq_stream_push, as an
// interrupt: cpu_threads_interrupt), already pushing when the stream opens,
// and a
// task thread polls the stream with stream_poll_next and, on
// STREAM_PENDING, really sleeps (a condition variable) until its waker is
// woken, as an executor with real wakers would. Every byte must arrive in
// order, and the task must never sleep with a byte in the ring: if push,
// poll_next and the atomic waker lose a wakeup, the task sleeps with bytes
// pending, gives up after a timeout, and the run fails.
//
// tsan-sources: {chapter}/src/irq_stream.c {chapter}/src/stream.c {chapter}/src/future.c
// tsan-sources: {chapter}/src/byte_ring.c {chapter}/src/atomic_waker.c
// tsan-include: {chapter}/src kernel-base/include tests/tsan
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_threads.h"
#include "irq_stream.h"

#define BYTES        300000u
#define LOST_AFTER_S 5  // asleep this long with bytes in the ring: lost
#define WATCHDOG_S   50 // no progress for this long: a hang (a busy machine only slows it)

static uint8_t buffer[16];
static struct irq_stream stream = IRQ_STREAM_INIT("tsan", buffer);
static _Atomic uint32_t received; // bytes the task has taken

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

static uint8_t nth(uint32_t n) { return (uint8_t)(n * 2654435761u >> 11); }

static uint64_t sleeps;

static void *task(void *arg)
{
    struct stream *keys = arg;
    struct waker w = {&parker, &parker_vtable};
    struct context cx = {.waker = &w};
    for (uint32_t i = 0; i < BYTES;) {
        uint8_t b;
        enum stream_poll r = stream_poll_next(keys, &cx, &b);
        if (r == STREAM_ITEM) {
            if (b != nth(i)) {
                fprintf(stderr, "irq_stream: byte %u is 0x%02X, want 0x%02X\n", i, b, nth(i));
                exit(1);
            }
            atomic_store_explicit(&received, ++i, memory_order_release);
            cpu_threads_progress();
            continue;
        }
        if (r != STREAM_PENDING) {
            fprintf(stderr, "irq_stream: poll_next returned %d\n", r);
            exit(1);
        }
        sleeps++;
        if (!park() && !byte_ring_is_empty(&stream.ring)) {
            fprintf(stderr,
                    "irq_stream: lost wakeup: asleep %d s after byte %u with bytes "
                    "in the ring\n",
                    LOST_AFTER_S, i);
            exit(1);
        }
    }
    return NULL;
}

// The device: pushes each byte, waiting while the ring is full (a real
// keyboard would drop it: here every byte must arrive, to check the order),
// and every other byte waits until the task took it, so the task goes to
// sleep over and over.
static bool pushed;
static void keyboard_irq(void *arg) { pushed = irq_stream_push(&stream, *(uint8_t *)arg); }

static void *device(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < BYTES; i++) {
        for (uint8_t byte = nth(i);; sched_yield()) {
            cpu_threads_interrupt(keyboard_irq, &byte);
            if (pushed)
                break;
        }
        if (i % 2 == 0)
            while (atomic_load_explicit(&received, memory_order_acquire) <= i)
                sched_yield();
    }
    return NULL;
}

int main(void)
{
    cpu_threads_watchdog("irq_stream", WATCHDOG_S);
    // The device pushes before the stream is open (each push refused and
    // counted until open publishes the ring): open must not let it see a
    // half-initialised ring.
    pthread_t t[2];
    pthread_create(&t[1], NULL, device, NULL);
    sched_yield();
    struct stream *keys = irq_stream_open(&stream);
    pthread_create(&t[0], NULL, task, keys);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    printf("irq_stream: %u bytes in order; the task slept %llu times and was always woken; "
           "%u pushes refused (before open, or with the ring full)\n",
           BYTES, (unsigned long long)sleeps, irq_stream_dropped(&stream));
    return 0;
}

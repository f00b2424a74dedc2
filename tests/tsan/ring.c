// The byte ring on two real threads under ThreadSanitizer: a producer pushes
// 10^7 bytes of a known sequence, retrying while the ring is full, and a
// consumer pops them. Every byte must arrive, in order (checked one by one
// and by a checksum of the whole stream), with no data race reported: the
// acquire/release pairs of byte_ring.c are what make the slot contents
// visible, and TSan sees it if one is missing.
//
// tsan-sources: {chapter}/src/byte_ring.c
// tsan-include: {chapter}/src kernel-base/include
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "byte_ring.h"
#include "cpu_threads.h"

#define BYTES cpu_threads_count(10000000u, 500000u)
#define CAPACITY                                                                                   \
    1024 // small enough to be full and empty often, large enough to make progress under load
#define WATCHDOG_S 50 // no progress for this long: a hang (a busy machine only slows it)

static struct byte_ring ring;
static uint8_t storage[CAPACITY];
static uint64_t full_waits, empty_waits;

// The n-th byte of the stream: not periodic in the capacity, so a slot
// read twice or skipped shows.
static uint8_t nth(uint32_t n) { return (uint8_t)(n * 2654435761u >> 13); }

// FNV-1a over the stream, on both sides.
static uint64_t fnv(uint64_t h, uint8_t b) { return (h ^ b) * 0x100000001b3ull; }

static void *producer(void *arg)
{
    uint64_t *sum = arg;
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < BYTES; i++) {
        // In every other block of 2^16 bytes, wait for an empty ring before
        // every 64th byte, so that the consumer, spinning on it, reads the
        // next slot the moment it is published: a byte written after its
        // tail (or a tail stored without release) then races with that
        // read. In the other blocks the ring is full, and the producer writes
        // a slot the moment pop gives it back. Relaxed loads: this wait
        // orders nothing.
        if (i % 64 == 0 && (i >> 16) % 2 == 0)
            while (atomic_load_explicit(&ring.head, memory_order_relaxed) !=
                   atomic_load_explicit(&ring.tail, memory_order_relaxed))
                sched_yield();
        for (unsigned spins = 0; !byte_ring_push(&ring, nth(i)); spins++) {
            full_waits++;
            if (spins > 64)
                sched_yield(); // full for a while: the consumer is not running
        }
        h = fnv(h, nth(i));
    }
    *sum = h;
    return NULL;
}

static void *consumer(void *arg)
{
    uint64_t *sum = arg;
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < BYTES; i++) {
        uint8_t b;
        for (unsigned spins = 0; !byte_ring_pop(&ring, &b); spins++) {
            empty_waits++;
            if (spins > 64)
                sched_yield();
        }
        if (b != nth(i)) {
            fprintf(stderr, "ring: byte %u is 0x%02X, want 0x%02X\n", i, b, nth(i));
            exit(1);
        }
        h = fnv(h, b);
        if (i % 4096 == 0)
            cpu_threads_progress();
    }
    *sum = h;
    return NULL;
}

int main(void)
{
    cpu_threads_watchdog("ring", WATCHDOG_S);
    byte_ring_init(&ring, storage, CAPACITY);
    // Start near the 32-bit wrap, so the run crosses it (the indices run
    // freely; see byte_ring.h). Before the threads start: init is not atomic.
    atomic_store(&ring.head, (uint32_t)-1000);
    atomic_store(&ring.tail, (uint32_t)-1000);

    uint64_t sent = 0, received = 0;
    pthread_t p, c;
    pthread_create(&c, NULL, consumer, &received);
    pthread_create(&p, NULL, producer, &sent);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    uint8_t extra;
    if (sent != received || byte_ring_pop(&ring, &extra) ||
        byte_ring_dropped(&ring) != full_waits) {
        fprintf(stderr, "ring: checksum %016llx sent, %016llx received; dropped %u, full %llu\n",
                (unsigned long long)sent, (unsigned long long)received, byte_ring_dropped(&ring),
                (unsigned long long)full_waits);
        return 1;
    }
    printf("ring: %u bytes in order, checksum %016llx; ring full %llu times, empty %llu times\n",
           BYTES, (unsigned long long)received, (unsigned long long)full_waits,
           (unsigned long long)empty_waits);
    return 0;
}

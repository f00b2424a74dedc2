// Figure ring_push_pop: one push and one pop on chapter 03's SPSC byte ring
// (what the keyboard interrupt and the keyboard task do per scancode),
// paired with one push and one pop on crossbeam's ArrayQueue<u8> of 100.
#include "byte_ring.h"
#include "harness.h"
#include "panic.h"

static void run_push_pop(uint64_t iterations)
{
    static uint8_t storage[128];
    static struct byte_ring ring;
    byte_ring_init(&ring, storage, sizeof storage);
    for (uint64_t i = 0; i < iterations; i++) {
        uint8_t byte;
        if (!byte_ring_push(&ring, (uint8_t)i) || !byte_ring_pop(&ring, &byte))
            panic("ring_push_pop: a push or pop failed on a ring that is never full");
        BENCH_KEEP(byte);
    }
}

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"ring_push_pop", run_push_pop, 1},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

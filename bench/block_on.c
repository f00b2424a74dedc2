// Figures block_on_yield_0, _10, _50: one whole block_on(f) of the latest
// chapter's block_on, where f is pending N times (calling wake_by_ref each
// time, as a future that can go on at once does) and then ready. Paired with
// futures::executor::block_on on the same future in bench/rust.
#include "block_on.h"
#include "harness.h"

struct pending_n {
    struct future base;
    unsigned remaining; // pending polls still to give
};

static enum poll pending_n_poll(struct future *f, struct context *cx)
{
    struct pending_n *self = CONTAINER_OF(f, struct pending_n, base);
    if (self->remaining == 0)
        return POLL_READY;
    self->remaining--;
    waker_wake_by_ref(cx->waker);
    return POLL_PENDING;
}

// The count goes through a volatile so the compiler cannot fold the loop of
// polls into a constant, which Rust's black_box prevents on the other side.
static void run_block_on(uint64_t iterations, unsigned yields)
{
    volatile unsigned n = yields;
    for (uint64_t i = 0; i < iterations; i++) {
        struct pending_n f;
        future_init(&f.base, pending_n_poll);
        f.remaining = n;
        unsigned long polls = block_on(&f.base);
        BENCH_KEEP(polls);
    }
}

static void yield_0(uint64_t iterations) { run_block_on(iterations, 0); }
static void yield_10(uint64_t iterations) { run_block_on(iterations, 10); }
static void yield_50(uint64_t iterations) { run_block_on(iterations, 50); }

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"block_on_yield_0", yield_0, 1},
        {"block_on_yield_10", yield_10, 1},
        {"block_on_yield_50", yield_50, 1},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

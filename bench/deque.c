// Figures deque_push_pop and deque_steal on chapter 06's work-stealing
// deque, paired with crossbeam-deque's Worker and Stealer (a LIFO Worker,
// as the deque's owner end is) in bench/rust: worker_push_pop and
// stealer_steal. The same workload on both sides, on one thread (no other
// thread touches the deque, so no cache line moves): an iteration pushes a
// batch of BATCH items, then takes them all back, and a figure is per item.
// - deque_push_pop: one push and one pop. Every pop pays the seq_cst fence
//   that Chase-Lev's pop needs; the last pop of a batch (the deque's last
//   item) also its CAS on top, in both languages.
// - deque_steal: one push and one steal. Every steal pays its fence and its
//   CAS on top (in crossbeam, the fence is the epoch pin's).
// BATCH is half the capacity: crossbeam's buffer starts at 64 slots and
// never grows or shrinks in this run, as ours never does.
#include "deque.h"
#include "harness.h"
#include "panic.h"

#define BATCH (DEQUE_CAPACITY / 2)

static struct deque dq;

static void push_batch(void)
{
    for (uint32_t i = 0; i < BATCH; i++)
        if (!deque_push(&dq, i))
            panic("deque bench: a push into a deque never more than half full failed");
}

static void run_push_pop(uint64_t iterations)
{
    deque_init(&dq);
    for (uint64_t n = 0; n < iterations; n++) {
        push_batch();
        for (uint32_t i = 0; i < BATCH; i++) {
            uint32_t item;
            if (!deque_pop(&dq, &item))
                panic("deque_push_pop: a pop found nothing");
            BENCH_KEEP(item);
        }
    }
}

static void run_steal(uint64_t iterations)
{
    deque_init(&dq);
    for (uint64_t n = 0; n < iterations; n++) {
        push_batch();
        for (uint32_t i = 0; i < BATCH; i++) {
            uint32_t item;
            if (deque_steal(&dq, &item) != DEQUE_STOLEN)
                panic("deque_steal: a steal with no other thief failed");
            BENCH_KEEP(item);
        }
    }
}

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"deque_push_pop", run_push_pop, BATCH},
        {"deque_steal", run_steal, BATCH},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

// Figure atomic_waker_register_wake: one register and one wake of chapter
// 03's atomic waker with a waker that does nothing (the keyboard stream
// registers, the interrupt wakes), paired with futures' AtomicWaker and its
// noop waker.
#include "atomic_waker.h"
#include "harness.h"

static void run_register_wake(uint64_t iterations)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct waker noop = waker_noop();
    for (uint64_t i = 0; i < iterations; i++) {
        atomic_waker_register(&aw, &noop);
        atomic_waker_wake(&aw);
    }
    BENCH_KEEP(atomic_load(&aw.state));
}

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"atomic_waker_register_wake", run_register_wake, 1},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

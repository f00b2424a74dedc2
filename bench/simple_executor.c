// Figure simple_executor_yield: chapter 02's simple executor running one task
// that awaits yield_now 1000 times; one op is one yield (a poll of the task
// that polls yield_now, and a trip through the executor's queue). The waker
// executor's executor_yield and Rust's blogos_executor_yield do the same work.
#include "async.h"
#include "harness.h"
#include "simple_executor.h"
#include "yield_loop.h"

static void run_yield(uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations; i++) {
        struct simple_executor ex;
        simple_executor_init(&ex);
        struct yield_loop task;
        future_init(&task.base, yield_loop_poll);
        task.resume = ASYNC_START;
        if (!SIMPLE_EXECUTOR_SPAWN(&ex, &task, NULL))
            panic("simple_executor_yield: out of memory");
        simple_executor_run(&ex);
        BENCH_KEEP(ex.polls);
    }
}

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"simple_executor_yield", run_yield, YIELDS},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

// Figures executor_spawn_run and executor_yield on the waker executor of
// chapters 04 and 05, paired with the post's Executor in bench/rust
// (blogos_executor_*). Both run the executor as the post's run_ready_tasks
// does, until no task is ready: here executor_run_until_idle, in rounds.
// - executor_spawn_run, per task: spawn a batch of tasks that are ready at
//   their first poll, then run until none is ready. The batch is 100 tasks on
//   the Rust side (its ready queue holds 100); here it is 100 or the task
//   table's capacity if that is smaller, since a spawn into a full table fails.
// - executor_yield, per yield: one task that awaits yield_now 1000 times.
// - executor_yield_floor: what a yield cannot cost less than (below).
#include "async.h"
#include "executor.h"
#include "harness.h"
#include "panic.h"
#include "yield_loop.h"

#define BATCH (EXECUTOR_MAX_TASKS < 100 ? EXECUTOR_MAX_TASKS : 100)

struct at_once {
    struct future base;
};

static enum poll at_once_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    return POLL_READY;
}

static struct executor ex; // large (a table of tasks): not on the stack

static void run_spawn_run(uint64_t iterations)
{
    executor_init(&ex);
    for (uint64_t i = 0; i < iterations; i++) {
        for (int t = 0; t < BATCH; t++) {
            struct at_once task;
            future_init(&task.base, at_once_poll);
            if (EXECUTOR_SPAWN(&ex, &task, NULL, NULL) != EXECUTOR_SPAWNED)
                panic("executor_spawn_run: spawn failed");
        }
        BENCH_KEEP(executor_run_until_idle(&ex));
    }
}

static void run_yield(uint64_t iterations)
{
    executor_init(&ex);
    for (uint64_t i = 0; i < iterations; i++) {
        struct yield_loop task;
        future_init(&task.base, yield_loop_poll);
        task.resume = ASYNC_START;
        if (EXECUTOR_SPAWN(&ex, &task, NULL, NULL) != EXECUTOR_SPAWNED)
            panic("executor_yield: spawn failed");
        BENCH_KEEP(executor_run_until_idle(&ex));
    }
}

// The floor of a yield, which no executor gets under: one indirect call (the
// poll) and one trip through a queue slot (the wake), nothing else. The
// function pointer is read through a volatile so that the call stays a call.
static unsigned long floor_polls;
static void floor_poll(void) { floor_polls++; }

static void run_yield_floor(uint64_t iterations)
{
    static uint8_t queue[64];
    static void (*volatile poll)(void) = floor_poll;
    uint32_t head = 0, tail = 0;
    for (uint64_t i = 0; i < iterations * YIELDS; i++) {
        queue[tail++ % 64] = (uint8_t)i; // the wake
        BENCH_KEEP(queue[head++ % 64]);  // the executor takes it
        poll();
    }
    BENCH_KEEP(floor_polls);
}

int main(int argc, char **argv)
{
    static const struct bench_figure figures[] = {
        {"executor_spawn_run", run_spawn_run, BATCH},
        {"executor_yield", run_yield, YIELDS},
        {"executor_yield_floor", run_yield_floor, YIELDS},
    };
    return bench_main(argc, argv, figures, sizeof figures / sizeof figures[0]);
}

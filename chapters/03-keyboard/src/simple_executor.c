// The run loop of the simple executor, and spawn.
#include "simple_executor.h"

void simple_executor_init(struct simple_executor *ex) { *ex = (struct simple_executor){0}; }

bool simple_executor_spawn(struct simple_executor *ex, const struct future *future, size_t size,
                           void (*drop)(struct future *))
{
    struct task *task = task_new(future, size, drop);
    if (!task)
        return false;
    task_queue_push(&ex->queue, task);
    return true;
}

void simple_executor_run(struct simple_executor *ex)
{
    // The dummy waker: waking it does nothing, because this executor polls
    // every task again anyway.
    struct waker waker = waker_noop();
    struct context cx = {.waker = &waker};
    struct task *task;
    while ((task = task_queue_pop(&ex->queue))) {
        // exercise: 2.2 begin
        ex->polls++;
        if (future_poll(task_future(task), &cx) == POLL_READY) {
            task_free(task);
            ex->completed++;
        } else {
            task_queue_push(&ex->queue, task);
        }
        // exercise: 2.2 end
    }
}

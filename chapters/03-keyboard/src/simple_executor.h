// The simplest executor: a FIFO of tasks, each polled in turn with a waker
// that does nothing, until every task is done. It cannot know which task can
// make progress, so it polls them all, all the time: busy polling.
#pragma once

#include <stdbool.h>

#include "task.h"

// region: simple_executor
struct simple_executor {
    struct task_queue queue; // tasks waiting for their next poll
    unsigned long polls;     // every poll made, for the curious
    unsigned long completed; // tasks that finished and were freed
};
// endregion: simple_executor

void simple_executor_init(struct simple_executor *ex);

// Moves the fresh future (a struct whose first member is a struct future, of
// `size` bytes) into a new task and queues it. Returns false if memory ran
// out: then nothing was allocated and the future is still the caller's.
bool simple_executor_spawn(struct simple_executor *ex, const struct future *future, size_t size,
                           void (*drop)(struct future *));

// spawn for a future variable: SIMPLE_EXECUTOR_SPAWN(&ex, &my_future, NULL).
#define SIMPLE_EXECUTOR_SPAWN(ex, fut, drop)                                                       \
    simple_executor_spawn(ex, &(fut)->base, sizeof *(fut), drop)

// Polls queued tasks in FIFO order until none is left: a ready task is freed,
// a pending one goes to the back of the queue. Task context; returns only
// when every task is done.
void simple_executor_run(struct simple_executor *ex);

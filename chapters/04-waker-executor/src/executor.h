// The waker executor: it polls a task only after the task's waker was woken.
// Tasks live in a table of EXECUTOR_MAX_TASKS slots, named by ids; a wake
// puts the task's slot in the ready queue, at most once; run_ready_tasks
// polls what the queue holds.
//
// A task's life, and the "queued" bit (Embassy keeps the same bit):
//
//   spawn --> QUEUED --pop: clear the bit--> POLLING --pending--> WAITING
//               ^                               |                    |
//               +--------- wake (sets the bit) -+--------------------+
//                                               +--ready--> DONE: slot freed,
//                                                           generation bumped
//
// A wake sets the bit and pushes the slot only if the bit was clear, so two
// wakes before a poll queue the task once; the executor clears the bit just
// before it polls, so a wake during the poll queues it again. Hence each slot
// is queued at most once, and a ready queue as large as the table never
// overflows (ready_queue.h).
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "future.h"
#include "ready_queue.h"
#include "task.h"

// The table's capacity: at most this many tasks at once.
#define EXECUTOR_MAX_TASKS READY_QUEUE_CAPACITY

// region: task_id
// A slot and the generation it had when the task was spawned. The slot gets
// a new generation when its task finishes (one never given before), so the
// id of a finished task, whether the slot was reused or not, is stale.
struct task_id {
    uint32_t slot;
    uint32_t generation;
};
// endregion: task_id

// region: task_slot
struct task_slot {
    struct task *task;           // NULL while the slot is free; the executor's
    _Atomic uint32_t generation; // renewed by the executor when the task finishes
    _Atomic bool queued;         // set by the wake that queues it, cleared before a poll
};
// endregion: task_slot

// region: executor
struct executor {
    struct task_slot slots[EXECUTOR_MAX_TASKS];
    uint8_t free_slots[EXECUTOR_MAX_TASKS]; // a stack of the free ones (task context)
    unsigned free_count;
    struct ready_queue ready;
    struct task_id current; // the task being polled, for fault reports
    bool polling;           // whether `current` means anything now
    // The executor's own counts (task context) and the wakes' (any context).
    unsigned long polls, completed, stale_entries;
    _Atomic uint32_t wakes, stale_wakes;
};
// endregion: executor

// Empties `ex` and makes it the executor that wakers wake into: there is one
// CPU, and one executor on it. Any earlier executor's wakers go stale. Task
// context, before any spawn.
void executor_init(struct executor *ex);

enum executor_spawn_result {
    EXECUTOR_SPAWNED,
    EXECUTOR_TABLE_FULL, // EXECUTOR_MAX_TASKS tasks are alive: the future is still the caller's
    EXECUTOR_NO_MEMORY,  // the heap is out: the future is still the caller's
};

// Moves the fresh future (of `size` bytes) into a task in a free slot and
// queues it: every new task is ready. *id (if not NULL) gets its id. Task
// context; nothing is allocated when it fails.
enum executor_spawn_result executor_spawn(struct executor *ex, const struct future *future,
                                          size_t size, void (*drop)(struct future *),
                                          struct task_id *id) __attribute__((warn_unused_result));

// spawn for a future variable: EXECUTOR_SPAWN(&ex, &my_future, NULL, &id).
#define EXECUTOR_SPAWN(ex, fut, drop, id) executor_spawn(ex, &(fut)->base, sizeof *(fut), drop, id)

// The waker of task `id`: a value (data is the id itself, not a pointer), so
// clone and drop cost nothing and no waker operation allocates or frees.
// Waking it from any context, interrupt handlers included, queues the task
// unless it is queued already; waking a finished task does nothing but count
// a stale wake.
struct waker executor_waker(struct task_id id);

// What waking task `id` does. Any context.
void executor_wake(struct task_id id);

// One round: polls the tasks that were in the ready queue when it began, in
// the order they were woken, and frees those that finish. A task woken during
// the round (by itself, another task or an interrupt) is polled in the next
// one, so a task that keeps waking itself cannot keep the round from ending.
// Returns how many polls it made. Task context.
unsigned long executor_run_ready_tasks(struct executor *ex);

// run_ready_tasks forever. It never sleeps: with nothing ready it checks the
// queue again at once (chapter 05 fixes that). Task context; never returns.
__attribute__((noreturn)) void executor_run(struct executor *ex);

// Tasks alive (spawned, not yet finished).
unsigned executor_task_count(const struct executor *ex);

// Whether `ex` is polling a task right now, and if so which (*id) and with
// what poll function (*poll): for a fault report to name the culprit. Any
// context (a fault handler, a panic).
bool executor_current(const struct executor *ex, struct task_id *id,
                      enum poll (**poll)(struct future *, struct context *));

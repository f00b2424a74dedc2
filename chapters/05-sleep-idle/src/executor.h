// The waker executor: it polls a task only after the task's waker was woken,
// and sleeps when none is. Tasks live in a table of EXECUTOR_MAX_TASKS slots,
// named by ids; a wake puts the task's slot in the ready queue, at most once;
// run_ready_tasks polls what the queue holds; when nothing is ready the CPU
// halts until the next interrupt. One CPU: a wake, from a task or an
// interrupt handler, runs with interrupts disabled.
//
// A task's life, and its "queued" bit (Embassy keeps the same bit):
//
//   spawn --> QUEUED --pop: clear the bit--> POLLING --pending--> WAITING
//               ^                               |                    |
//               +--------- wake (sets the bit) -+--------------------+
//                                               +--ready--> DONE: slot freed,
//                                                           generation renewed
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
// A slot and the generation it had when the task was spawned. When the task
// ends, its slot gets a generation never given before, so the id of an ended
// task is stale, whether the slot was reused or not. A waker carries an id in
// one 64-bit word: 6 bits of slot, 58 of generation, which wrap only after
// 2^58 task ends (nine years at a billion a second).
struct task_id {
    uint32_t slot;
    uint64_t generation;
};
#define TASK_SLOT_BITS 6
// endregion: task_id
_Static_assert(EXECUTOR_MAX_TASKS == 1 << TASK_SLOT_BITS, "a slot fits in its bits of a waker");

// region: task_slot
struct task_slot {
    struct task *task;           // NULL while the slot is free (task context only)
    _Atomic uint64_t generation; // renewed by the executor when the task ends
    _Atomic bool queued;         // in the ready queue: set by a wake, cleared by the executor
};
// endregion: task_slot

// region: executor
struct executor {
    struct task_slot slots[EXECUTOR_MAX_TASKS];
    uint8_t free_slots[EXECUTOR_MAX_TASKS]; // a stack of the free ones (task context)
    unsigned free_count;
    struct ready_queue ready;
    struct task_slot *polling; // the task being polled, NULL between polls
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
// context, interrupts enabled; nothing is allocated when it fails.
enum executor_spawn_result executor_spawn(struct executor *ex, const struct future *future,
                                          size_t size, void (*drop)(struct future *),
                                          struct task_id *id) __attribute__((warn_unused_result));

// spawn for a future variable: EXECUTOR_SPAWN(&ex, &my_future, NULL, &id).
#define EXECUTOR_SPAWN(ex, fut, drop, id) executor_spawn(ex, &(fut)->base, sizeof *(fut), drop, id)

// The waker of task `id`: a value (its data is the id itself, not a pointer),
// so clone and drop cost nothing and no waker operation allocates or frees.
struct waker executor_waker(struct task_id id);

// What waking task `id` does: queue the task unless it is queued already. A
// wake for a task that has ended (a stale id) does nothing. From an interrupt
// handler, or from task context with interrupts enabled (a poll, kmain).
void executor_wake(struct task_id id);

// One round: polls the tasks that were in the ready queue when it began, in
// the order they were woken, and frees those that finish. A task woken during
// the round (by itself, another task or an interrupt) is polled in the next
// one, so a task that keeps waking itself cannot keep the round from ending.
// Returns how many polls it made. Task context, interrupts enabled.
unsigned long executor_run_ready_tasks(struct executor *ex);

// Rounds until one polls nothing: every task that was ready, or became ready
// on the way, has been polled until it waits or is done. The run loop without
// the sleep, for kmain before it starts and for tests. Returns the polls made.
// Task context, interrupts enabled.
unsigned long executor_run_until_idle(struct executor *ex);

// Called by the run loop between rounds: if no task is ready, sleep until an
// interrupt; otherwise return at once. Never loses a wakeup: a wake that
// comes after the check ends the sleep. Task context, interrupts enabled.
void executor_sleep_if_idle(struct executor *ex);

// The naive version, kept to show what goes wrong: it checks the queue with
// interrupts enabled, waits `window` iterations of a delay loop (0 for none),
// then halts. A wake that lands after the check is slept through until some
// later interrupt. Never use it but to watch it fail (make run IDLE=naive).
void executor_sleep_if_idle_naive(struct executor *ex, unsigned long window);

// Rounds of run_ready_tasks, sleeping whenever no task is ready, forever.
// Built with IDLE_NAIVE defined, it sleeps the naive way (IDLE_WINDOW: the
// window). Task context; never returns.
__attribute__((noreturn)) void executor_run(struct executor *ex);

// Ends task `id` now, as if it had finished: it leaves its slot, its wakers
// go stale, then its future's drop runs (a sleep in it gives up its timer).
// False if the task is gone already. Task context; not the task being
// polled (that panics: a task ends itself by returning POLL_READY).
bool executor_cancel(struct executor *ex, struct task_id id);

// region: spawner
// What a task keeps to spawn more tasks while the executor runs: the table
// it spawns into. A spawned task is polled in the next round (or in this
// one, if it takes the slot of a task that woke itself as it ended, whose
// entry is still queued further on).
struct spawner {
    struct executor *ex;
    unsigned long spawned, refused; // this spawner's successes and failures
};
// endregion: spawner

struct spawner executor_spawner(struct executor *ex);

enum spawner_result {
    SPAWNER_SPAWNED,
    SPAWNER_TABLE_FULL,   // every slot is taken: try again when a task has finished
    SPAWNER_NO_MEMORY,    // the heap is out
    SPAWNER_IN_INTERRUPT, // an interrupt handler may not allocate: nothing was done
};

// Spawns the fresh future (of `size` bytes) as a new task, from task context
// (kmain, or a task during its poll); *id gets its id if id is not NULL. The
// caller must look at the result: a full table is an ordinary event here.
enum spawner_result spawner_spawn(struct spawner *sp, const struct future *future, size_t size,
                                  void (*drop)(struct future *), struct task_id *id)
    __attribute__((warn_unused_result));

// Tasks alive (spawned, not yet finished). Task context.
unsigned executor_task_count(const struct executor *ex);

// Whether `ex` is polling a task right now, and if so which (*id) and with
// what poll function (*poll): for a fault report to name the culprit. Any
// context (a fault handler, a panic).
bool executor_current(const struct executor *ex, struct task_id *id,
                      enum poll (**poll)(struct future *, struct context *));

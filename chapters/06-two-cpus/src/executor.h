// The waker executor on several CPUs: one table of tasks, and on every CPU
// an executor that runs its own ready tasks, takes those that interrupt
// handlers woke, steals from the others when it has none, and sleeps when
// there is nothing anywhere, without losing a wakeup.
//
// Where a ready task waits (executor.c says why each is needed):
// - each CPU's deque (deque.h): the tasks that CPU's own tasks woke or
//   spawned. Its CPU pops them newest first; another CPU steals the oldest;
// - the injector (injector.h): the tasks interrupt handlers woke, which any
//   CPU may take;
// - during a round, a CPU's list of the tasks its polls woke, pushed to its
//   deque when the round ends (so that a task that keeps waking itself
//   cannot keep the round from ending).
//
// region: task_states
// A task's state is two bits. QUEUED: it has one entry in one of those
// queues, or it was woken while it was polled; POLLING: a CPU is polling it.
// A wake sets QUEUED and queues the task only if both were clear; the CPU
// that takes the task's entry swaps QUEUED for POLLING, polls, and clears
// POLLING; if a wake set QUEUED meanwhile, that CPU queues the task again:
//
//   waiting --wake--> QUEUED --a CPU takes its entry--> POLLING --let go--> waiting
//                       ^                                  |   |
//                       |                                wake  +--ready--> DONE: slot freed,
//                       |                                  v               generation renewed
//                       +---let go: queued again--- POLLING|QUEUED
// endregion: task_states
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "deque.h"
#include "future.h"
#include "injector.h"
#include "spinlock.h"
#include "task.h"

// The table's capacity: at most this many tasks at once.
#define EXECUTOR_MAX_TASKS INJECTOR_CAPACITY
_Static_assert(DEQUE_CAPACITY == EXECUTOR_MAX_TASKS, "a deque holds every task");

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

// region: task_state
#define TASK_QUEUED  1u // in a queue, or woken during its poll
#define TASK_POLLING 2u // a CPU is polling it (or ending it)

struct task_slot {
    struct task *_Atomic task;   // NULL while the slot is free
    _Atomic uint64_t generation; // renewed when the task ends
    _Atomic unsigned state;      // TASK_QUEUED | TASK_POLLING
    _Atomic uint64_t cancelled;  // the generation a cancel asked to end (0: none)
};
// endregion: task_state

// How a CPU goes to sleep: the race-free way, or one of its naive twins,
// kept to show what each missing piece loses (make run IDLE=naive IDLE_BUG=...).
enum executor_idle {
    EXECUTOR_IDLE_RACE_FREE, // announce, fence, look, sti; hlt; a waker pushes, fences, calls
    EXECUTOR_IDLE_NOFLAG,    // chapter 05's cli; look; sti; hlt: nobody calls a sleeping CPU
    EXECUTOR_IDLE_NOFENCE,   // flag and IPI, but no fence on either side
    EXECUTOR_IDLE_NOIPI,     // flag and fence, but a waker only pushes
};

// region: executor_cpu
// One CPU's part of the executor.
struct executor_cpu {
    struct deque ready;                // its ready tasks: it pushes and pops, the others steal
    uint8_t woken[EXECUTOR_MAX_TASKS]; // woken by its polls during a round (its own)
    unsigned woken_count;
    bool in_round;                     // inside executor_run_ready_tasks (its own)
    _Atomic bool sleeping;             // about to halt, or halted: call it (an IPI)
    struct task_slot *_Atomic polling; // the task it polls, for fault reports
};
// endregion: executor_cpu

// region: executor
struct executor {
    struct task_slot slots[EXECUTOR_MAX_TASKS];
    struct spinlock table_lock;             // guards free_slots and free_count's writes
    uint8_t free_slots[EXECUTOR_MAX_TASKS]; // a stack of the free ones
    _Atomic unsigned free_count;
    struct injector injector;
    struct executor_cpu cpus[CPUS_MAX];
    unsigned cpu_count;
    void (*wake_cpu)(unsigned cpu); // interrupt CPU `cpu` (an IPI); NULL: nobody to call
    _Atomic bool stealing;          // on, unless a measurement pins tasks to their CPU
    enum executor_idle idle;
};
// endregion: executor

// Empties `ex` for `cpus` CPUs (1 to CPUS_MAX, indexed as cpu_index()) and
// makes it the executor that wakers wake into; any earlier executor's wakers
// go stale. wake_cpu(cpu) must interrupt CPU `cpu` from any context (the
// kernel passes lapic_send_ipi); it is called only for a CPU that announced
// it is going to sleep. Task context, before any spawn, before another CPU
// runs the executor.
void executor_init(struct executor *ex, unsigned cpus, void (*wake_cpu)(unsigned cpu));

enum executor_spawn_result {
    EXECUTOR_SPAWNED,
    EXECUTOR_TABLE_FULL, // EXECUTOR_MAX_TASKS tasks are alive: the future is still the caller's
    EXECUTOR_NO_MEMORY,  // the heap is out: the future is still the caller's
};

// Moves the fresh future (of `size` bytes) into a task in a free slot and
// queues it on this CPU: every new task is ready. *id (if not NULL) gets
// its id. Task context, any CPU; nothing is allocated when it fails.
enum executor_spawn_result executor_spawn(struct executor *ex, const struct future *future,
                                          size_t size, void (*drop)(struct future *),
                                          struct task_id *id) __attribute__((warn_unused_result));

// spawn for a future variable: EXECUTOR_SPAWN(&ex, &my_future, NULL, &id).
#define EXECUTOR_SPAWN(ex, fut, drop, id) executor_spawn(ex, &(fut)->base, sizeof *(fut), drop, id)

// The waker of task `id`: a value (its data is the id itself, not a pointer),
// so clone and drop cost nothing and no waker operation allocates or frees.
struct waker executor_waker(struct task_id id);

// What waking task `id` does, from any context on any CPU: queue the task
// unless it is queued already (an interrupt handler's wake goes to the
// injector; a task's wake to its own CPU, at the end of the round), then
// call a CPU that is asleep. A wake of a task being polled queues it again
// when that poll ends. A wake of an ended task (a stale id) does nothing.
void executor_wake(struct task_id id);

// One round on this CPU: polls the tasks the injector held when it began
// (those no other CPU takes first), then this CPU's deque until it is empty,
// stealing half of another CPU's tasks first if it has none of its own.
// Tasks woken by its polls wait for the next round. Returns how many polls
// it made. Task context, interrupts enabled.
unsigned long executor_run_ready_tasks(struct executor *ex);

// Called by the run loop between rounds: if no task is ready anywhere this
// CPU could take one, sleep until an interrupt; otherwise return at once.
// Never loses a wakeup, whatever the other CPUs do meanwhile: a task queued
// after the look sends an IPI that ends the sleep. Task context, interrupts
// enabled.
void executor_sleep_if_idle(struct executor *ex);

// The naive twin picked by executor_set_idle, kept to show what goes wrong.
void executor_sleep_if_idle_naive(struct executor *ex);
// Never use it but to watch it fail: wakers and sleepers use the naive twin
// `idle` from now on (EXECUTOR_IDLE_RACE_FREE: the real thing again).
void executor_set_idle(struct executor *ex, enum executor_idle idle);

// Rounds of run_ready_tasks on this CPU, sleeping whenever no task is ready,
// forever. Every CPU runs it. Task context; never returns.
__attribute__((noreturn)) void executor_run(struct executor *ex);

// Whether a CPU with no task of its own takes some of another CPU's (on by
// default). Off, a task stays on the CPU that spawned or last woke it: for
// measuring what two CPUs buy. Any context.
void executor_set_stealing(struct executor *ex, bool on);

// Asks task `id` to end: the next CPU to take it from a queue ends it
// instead of polling it (it leaves its slot, its wakers go stale, then its
// future's drop runs there; a sleep in it gives up its timer). A task may
// cancel itself; it ends after its poll. False if the task is gone already.
// Task context.
bool executor_cancel(struct executor *ex, struct task_id id);

// region: spawner
// What a task keeps to spawn more tasks while the executor runs: the table
// it spawns into. A spawned task is polled in the next round of the CPU
// that spawned it, or stolen before.
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

// Tasks alive (spawned, not yet finished). Any context.
unsigned executor_task_count(const struct executor *ex);

// Whether this CPU is polling a task right now, and if so which (*id) and
// with what poll function (*poll): for a fault report to name the culprit.
// Any context (a fault handler, a panic).
bool executor_current(const struct executor *ex, struct task_id *id,
                      enum poll (**poll)(struct future *, struct context *));

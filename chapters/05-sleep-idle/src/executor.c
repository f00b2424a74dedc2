// The waker executor of executor.h: the task table, the wakers, the run loop.
//
// region: no_lost_wakeup
// Why no wakeup is lost, on one CPU. A wake sets the slot's queued bit and,
// if it was clear, pushes the slot; the executor clears the bit just before
// it polls the task. Take any wake W of a task T:
// - if W finds the bit clear, W pushes T, and T is polled after W;
// - if W finds it set, T's slot is in the queue and its bit has not been
//   cleared yet (the executor clears it after popping, before polling), so
//   the poll that comes is after W too.
// Either way T is polled after W, and that poll sees what W's producer
// published before waking (the bit's exchange carries it: release in the
// wake, acquire in the executor's clearing exchange).
//
// Why a stale wake is harmless. Only the executor finishes tasks, in task
// context, and a wake in task context runs inside a poll or a spawn, never
// inside a finish; a wake in an interrupt handler runs to completion before
// the executor goes on. So a wake compares the generation and sets the bit
// with nothing in between that could finish the task. A task that wakes
// itself in its last poll leaves its slot queued after it is freed: the
// executor then pops a slot without a task and skips it (a stale entry), or,
// if a new task was spawned into the slot meanwhile, that entry queues the
// new task, whose own spawn found the bit set.
// endregion: no_lost_wakeup
#include "executor.h"

#include "cpu.h"
#include "katomic.h"
#include "panic.h"

// The executor that wakers wake into (executor_init). Set in task context,
// read by wakes in any context: published with release, read with acquire.
static struct executor *_Atomic current_executor;

// region: generations
// Generations come from one counter for every slot of every executor, so a
// generation is never given twice: an old id cannot name a new task, even in
// an executor initialised again in the same memory. (Task context only.)
static uint32_t generations;
static uint32_t new_generation(void) { return ++generations; }
// endregion: generations

// region: task_waker
// A waker's data is the task id itself, packed into the pointer's bits.
_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "an id fits in a waker's data");

static const void *id_to_data(struct task_id id)
{
    return (const void *)(uintptr_t)((uint64_t)id.generation << 32 | id.slot);
}

static struct task_id data_to_id(const void *data)
{
    uint64_t bits = (uintptr_t)data;
    return (struct task_id){.slot = (uint32_t)bits, .generation = (uint32_t)(bits >> 32)};
}

static struct waker task_waker_clone(const void *data);
static void task_waker_wake(const void *data) { executor_wake(data_to_id(data)); }
static void task_waker_drop(const void *data) { (void)data; } // a value: nothing to give back

static const struct waker_vtable task_waker_vtable = {
    .clone = task_waker_clone,
    .wake = task_waker_wake,
    .wake_by_ref = task_waker_wake,
    .drop = task_waker_drop,
};

static struct waker task_waker_clone(const void *data)
{
    return (struct waker){data, &task_waker_vtable};
}

struct waker executor_waker(struct task_id id)
{
    return (struct waker){id_to_data(id), &task_waker_vtable};
}
// endregion: task_waker

void executor_init(struct executor *ex)
{
    *ex = (struct executor){.free_count = EXECUTOR_MAX_TASKS};
    for (unsigned i = 0; i < EXECUTOR_MAX_TASKS; i++) {
        ex->free_slots[i] = (uint8_t)(EXECUTOR_MAX_TASKS - 1 - i); // slot 0 is used first
        atomic_init(&ex->slots[i].generation, new_generation());
    }
    katomic_store(&current_executor, ex, memory_order_release);
}

// A wake from an interrupt handler that queues a task remembers when, so
// that the poll can tell how long the task waited and whether the CPU halted
// meanwhile. Only the wake that sets the queued bit writes these fields, and
// only before its push; the executor reads them after the pop and before it
// clears the bit: the bit hands them from one side to the other.
static void note_irq_wake(struct executor *ex, struct task_slot *s)
{
    if (!cpu_in_interrupt())
        return;
    s->woken_tsc = cpu_rdtsc();
    s->woken_halts = katomic_load(&ex->halts, memory_order_relaxed);
    s->woken_by_irq = true;
}

// The poll of a task that an interrupt woke: what the wake cost.
static void measure_irq_wake(struct executor *ex, struct task_slot *s)
{
    if (!s->woken_by_irq)
        return;
    s->woken_by_irq = false;
    uint64_t latency = cpu_rdtsc() - s->woken_tsc;
    ex->irq_wakes++;
    ex->latency_total_tsc += latency;
    if (latency > ex->latency_max_tsc)
        ex->latency_max_tsc = latency;
    if (katomic_load(&ex->halts, memory_order_relaxed) != s->woken_halts)
        ex->lost_wakeups++; // the CPU slept with this task ready
}

// region: executor_wake
void executor_wake(struct task_id id)
{
    struct executor *ex = katomic_load(&current_executor, memory_order_acquire);
    if (!ex || id.slot >= EXECUTOR_MAX_TASKS)
        return;
    katomic_fetch_add(&ex->wakes, 1, memory_order_relaxed);
    struct task_slot *s = &ex->slots[id.slot];
    // exercise: 4.2 begin
    if (katomic_load(&s->generation, memory_order_acquire) != id.generation) {
        katomic_fetch_add(&ex->stale_wakes, 1, memory_order_relaxed);
        return; // the task finished: nothing to wake
    }
    // Only the wake that flips the bit pushes: a task is queued at most once.
    if (!katomic_exchange(&s->queued, true, memory_order_acq_rel)) {
        note_irq_wake(ex, s);
        ready_queue_push(&ex->ready, (uint8_t)id.slot);
    }
    // exercise: 4.2 end
}
// endregion: executor_wake

enum executor_spawn_result executor_spawn(struct executor *ex, const struct future *future,
                                          size_t size, void (*drop)(struct future *),
                                          struct task_id *id)
{
    // exercise: 4.1 begin
    if (ex->free_count == 0)
        return EXECUTOR_TABLE_FULL;
    struct task *task = task_new(future, size, drop);
    if (!task)
        return EXECUTOR_NO_MEMORY;
    uint32_t slot = ex->free_slots[--ex->free_count];
    struct task_slot *s = &ex->slots[slot];
    s->task = task;
    if (id)
        *id = (struct task_id){slot, katomic_load(&s->generation, memory_order_relaxed)};
    // A new task is ready: queue it, as a wake would. The bit may be set
    // already, by the last wake of the slot's previous task, whose entry is
    // still in the queue: that entry now stands for this task.
    if (!katomic_exchange(&s->queued, true, memory_order_acq_rel))
        ready_queue_push(&ex->ready, (uint8_t)slot);
    return EXECUTOR_SPAWNED;
    // exercise: 4.1 end
}

// The task in `slot` is done: free it, make its id stale, free the slot.
static void finish(struct executor *ex, uint32_t slot)
{
    struct task_slot *s = &ex->slots[slot];
    // exercise: 4.4 begin
    task_free(s->task);
    s->task = NULL;
    // From here on its wakers' generation no longer matches.
    katomic_store(&s->generation, new_generation(), memory_order_release);
    ex->free_slots[ex->free_count++] = (uint8_t)slot;
    ex->completed++;
    // exercise: 4.4 end
}

// region: run_ready_tasks
unsigned long executor_run_ready_tasks(struct executor *ex)
{
    unsigned long polled = 0;
    uint8_t slot;
    for (uint32_t n = ready_queue_length(&ex->ready); n && ready_queue_pop(&ex->ready, &slot);
         n--) {
        struct task_slot *s = &ex->slots[slot];
        // exercise: 4.3 begin
        // What the wake that queued it noted, read while the bit is still set:
        // until it is cleared, no wake writes there.
        measure_irq_wake(ex, s);
        // Clear the bit before the poll: a wake from now on queues the task again.
        katomic_exchange(&s->queued, false, memory_order_acq_rel);
        if (!s->task) {
            ex->stale_entries++; // it finished after the wake that queued it
            continue;
        }
        struct task_id id = {slot, katomic_load(&s->generation, memory_order_relaxed)};
        struct waker waker = executor_waker(id);
        struct context cx = {.waker = &waker};
        ex->current = id;
        ex->polling = true;
        ex->polls++;
        polled++;
        enum poll result = future_poll(task_future(s->task), &cx);
        ex->polling = false;
        if (result == POLL_READY)
            finish(ex, slot);
        // exercise: 4.3 end
    }
    return polled;
}
// endregion: run_ready_tasks

// Halt until the next interrupt, counting the halt and the time it took.
// Called with interrupts disabled; returns with them enabled.
static void halt_until_interrupt(struct executor *ex)
{
    // Counted before the hlt, with interrupts still off: a wake that comes
    // after this sees the new count, so it is not taken for a lost one.
    katomic_fetch_add(&ex->halts, 1, memory_order_relaxed);
    uint64_t start = cpu_rdtsc();
    cpu_enable_and_halt();
    ex->halted_tsc += cpu_rdtsc() - start;
}

// region: sleep_if_idle
// Why no wakeup is lost (the argument of xv6's sleep, on one CPU): the only
// thing that can make the queue non-empty is a wake, and the wakes that
// matter here come from interrupt handlers. With interrupts disabled, none
// can run between the check and the hlt, so the queue we found empty stays
// empty until the sti. An interrupt that arrives after the cli is held
// pending; sti enables interrupts only after the instruction that follows it
// (the "sti shadow"), and that instruction is the hlt, so the pending
// interrupt ends the hlt instead of running before it. Both instructions are
// one asm statement (cpu_enable_and_halt), so the compiler cannot put
// anything between them either.
void executor_sleep_if_idle(struct executor *ex)
{
    // exercise: 5.1 begin
    cpu_interrupts_disable();
    if (ready_queue_is_empty(&ex->ready))
        halt_until_interrupt(ex); // sti; hlt
    else
        cpu_interrupts_enable();
    // exercise: 5.1 end
}
// endregion: sleep_if_idle

// region: sleep_if_idle_naive
void executor_sleep_if_idle_naive(struct executor *ex, unsigned long window)
{
    if (!ready_queue_is_empty(&ex->ready))
        return;
    // Here a wake may come, queue a task and return: the check above is
    // already stale, and the hlt below sleeps anyway.
    for (volatile unsigned long i = 0; i < window; i++)
        ;
    // A wake that lands between this count and the hlt is slept through but
    // not counted as lost: the lost-wakeup figures of the naive loop are a
    // lower bound.
    katomic_fetch_add(&ex->halts, 1, memory_order_relaxed);
    uint64_t start = cpu_rdtsc();
    cpu_halt();
    ex->halted_tsc += cpu_rdtsc() - start;
}
// endregion: sleep_if_idle_naive

#ifndef IDLE_WINDOW
#define IDLE_WINDOW 0
#endif

// region: executor_run
void executor_run(struct executor *ex)
{
    for (;;) {
        executor_run_ready_tasks(ex);
#ifdef IDLE_NAIVE
        executor_sleep_if_idle_naive(ex, IDLE_WINDOW);
#else
        executor_sleep_if_idle(ex);
#endif
    }
}
// endregion: executor_run

bool executor_cancel(struct executor *ex, struct task_id id)
{
    if (id.slot >= EXECUTOR_MAX_TASKS || !ex->slots[id.slot].task ||
        katomic_load(&ex->slots[id.slot].generation, memory_order_relaxed) != id.generation)
        return false;
    if (ex->polling && ex->current.slot == id.slot)
        panic("executor_cancel: task %u cancels itself while it is polled (return POLL_READY)",
              id.slot);
    finish(ex, id.slot);
    return true;
}

struct spawner executor_spawner(struct executor *ex) { return (struct spawner){.ex = ex}; }

// region: spawner_spawn
enum spawner_result spawner_spawn(struct spawner *sp, const struct future *future, size_t size,
                                  void (*drop)(struct future *), struct task_id *id)
{
    // exercise: 5.4 begin
    if (cpu_in_interrupt()) {
        sp->refused++;
        return SPAWNER_IN_INTERRUPT; // spawning allocates: never in a handler
    }
    switch (executor_spawn(sp->ex, future, size, drop, id)) {
    case EXECUTOR_SPAWNED: sp->spawned++; return SPAWNER_SPAWNED;
    case EXECUTOR_TABLE_FULL: sp->refused++; return SPAWNER_TABLE_FULL;
    case EXECUTOR_NO_MEMORY: break;
    }
    sp->refused++;
    return SPAWNER_NO_MEMORY;
    // exercise: 5.4 end
}
// endregion: spawner_spawn

unsigned executor_task_count(const struct executor *ex)
{
    return EXECUTOR_MAX_TASKS - ex->free_count;
}

bool executor_current(const struct executor *ex, struct task_id *id,
                      enum poll (**poll)(struct future *, struct context *))
{
    if (!ex->polling || !ex->slots[ex->current.slot].task)
        return false;
    *id = ex->current;
    *poll = task_future(ex->slots[ex->current.slot].task)->poll;
    return true;
}

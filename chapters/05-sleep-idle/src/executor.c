// The waker executor of executor.h: the task table, the wakers, the run loop.
#include "executor.h"

#include "cpu.h"
#include "katomic.h"
#include "panic.h"
#include "trace.h"

// The executor that wakers wake into (executor_init). Set in task context,
// read by wakes in any context: published with release, read with acquire.
static struct executor *_Atomic current_executor;

// region: generations
// Generations come from one counter for every slot of every executor, so no
// generation is given twice (until the counter wraps, 2^58 task ends from
// now): an old id cannot name a new task, even in an executor initialised
// again in the same memory. Task context only.
static uint64_t generations;
static uint64_t new_generation(void) { return ++generations & (UINT64_MAX >> TASK_SLOT_BITS); }
// endregion: generations

// region: task_waker
// A waker's data is the task id itself: generation and slot in one word.
_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t), "an id fits in a waker's data");

static const void *id_to_data(struct task_id id)
{
    return (const void *)(uintptr_t)(id.generation << TASK_SLOT_BITS | id.slot);
}

static struct task_id data_to_id(const void *data)
{
    uint64_t bits = (uintptr_t)data;
    return (struct task_id){.slot = bits & (EXECUTOR_MAX_TASKS - 1),
                            .generation = bits >> TASK_SLOT_BITS};
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

// region: executor_wake
// Why no wakeup is lost. A wake sets the slot's queued bit and, if it was
// clear, pushes the slot, all with interrupts disabled: on one CPU nothing
// runs between its check of the bit and its push. The executor pops the slot
// and clears the bit before it polls the task. Take any wake W of task T: if
// W finds the bit clear, it queues T, and T is polled after W; if W finds it
// set, T's slot is in the queue or just popped, its bit not cleared yet, and
// the poll that follows the clear comes after W too. Either way T is polled
// after W, and that poll sees what W's producer did before waking.
static void queue_task(struct executor *ex, struct task_id id)
{
    struct task_slot *s = &ex->slots[id.slot];
    // exercise: 4.2 begin
    // Interrupts off, so that no handler's wake comes between the check of
    // the bit and the push. A handler runs with them off already; task
    // context wakes with them on (executor.h).
    bool in_handler = cpu_in_interrupt();
    if (!in_handler)
        cpu_interrupts_disable();
    // Alive (its generation still current) and not queued yet: queue it.
    if (katomic_load(&s->generation, memory_order_relaxed) == id.generation &&
        !katomic_load(&s->queued, memory_order_relaxed)) {
        katomic_store(&s->queued, true, memory_order_relaxed);
        ready_queue_push(&ex->ready, (uint8_t)id.slot);
    }
    if (!in_handler)
        cpu_interrupts_enable();
    // exercise: 4.2 end
}

void executor_wake(struct task_id id)
{
    struct executor *ex = katomic_load(&current_executor, memory_order_acquire);
    if (!ex || id.slot >= EXECUTOR_MAX_TASKS)
        return; // no executor yet, or a forged id
    queue_task(ex, id);
    trace_wake(ex, id);
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
    ex->slots[slot].task = task;
    struct task_id new_id = {slot, katomic_load(&ex->slots[slot].generation, memory_order_relaxed)};
    if (id)
        *id = new_id;
    // A new task is ready: queued as a wake would. If the slot's last task
    // woke itself as it ended, the slot is still queued: that entry now
    // stands for this task, which is polled when it comes up.
    cpu_interrupts_disable();
    if (!katomic_load(&ex->slots[slot].queued, memory_order_relaxed)) {
        katomic_store(&ex->slots[slot].queued, true, memory_order_relaxed);
        ready_queue_push(&ex->ready, (uint8_t)slot);
    }
    cpu_interrupts_enable();
    return EXECUTOR_SPAWNED;
    // exercise: 4.1 end
}

// region: finish
// The task in `slot` is done: take it out of the table, make its id stale,
// free the slot, and only then run its drop. A drop may wake, spawn or
// cancel (chapter 05); by then its own id is stale and the slot is free, so
// nothing it does can reach the task being freed, or free it twice.
__attribute__((noinline)) static void finish(struct executor *ex, uint32_t slot)
{
    struct task_slot *s = &ex->slots[slot];
    trace_task_end(ex, slot);
    // exercise: 4.4 begin
    struct task *task = s->task;
    s->task = NULL;
    katomic_store(&s->generation, new_generation(), memory_order_relaxed);
    ex->free_slots[ex->free_count++] = (uint8_t)slot;
    task_free(task);
    // exercise: 4.4 end
}
// endregion: finish

// Polls the task in `slot` with its own waker, noting which task is being
// polled (for fault reports and cancel) and telling the trace layer.
static enum poll poll_task(struct executor *ex, uint32_t slot)
{
    struct task_slot *s = &ex->slots[slot];
    struct task_id id = {slot, katomic_load(&s->generation, memory_order_relaxed)};
    struct waker waker = executor_waker(id);
    struct context cx = {.waker = &waker};
    ex->polling = s;
    trace_poll_begin(ex, id);
    enum poll result = future_poll(task_future(s->task), &cx);
    trace_poll_end(ex, id);
    ex->polling = NULL;
    return result;
}

// region: run_ready_tasks
// Inlined into the two loops that run rounds (executor_run and
// executor_run_until_idle), so that a round costs no call: with one task
// that yields, a round is a yield.
__attribute__((always_inline)) inline unsigned long executor_run_ready_tasks(struct executor *ex)
{
    unsigned long polls = 0;
    // exercise: 4.3 begin
    uint8_t slot;
    for (uint32_t n = ready_queue_length(&ex->ready); n && ready_queue_pop(&ex->ready, &slot);
         n--) {
        struct task_slot *s = &ex->slots[slot];
        // Cleared before the poll: a wake from now on queues the task again.
        // Sequentially consistent: the poll's reads stay after it.
        katomic_store(&s->queued, false, memory_order_seq_cst);
        if (!s->task)
            continue; // it ended after the wake that queued it
        polls++;
        if (poll_task(ex, slot) == POLL_READY)
            finish(ex, slot);
    }
    // exercise: 4.3 end
    return polls;
}
// endregion: run_ready_tasks

// region: run_until_idle
unsigned long executor_run_until_idle(struct executor *ex)
{
    unsigned long polls = 0, n;
    while ((n = executor_run_ready_tasks(ex)))
        polls += n;
    return polls;
}
// endregion: run_until_idle

// Halts until the next interrupt, telling the trace layer (idle time, and a
// task ready at this point is a lost wakeup). Called with interrupts
// disabled; returns with them enabled.
static void halt_until_interrupt(struct executor *ex)
{
    trace_idle_begin(ex);
    cpu_enable_and_halt();
    trace_idle_end(ex);
}

// region: sleep_if_idle
// Why no wakeup is lost (the argument of xv6's sleep, on one CPU): only a
// wake makes the queue non-empty, and the wakes that matter here come from
// interrupt handlers. With interrupts disabled, none can run between the
// check and the hlt, so the queue we found empty stays empty until the sti.
// An interrupt that arrives after the cli is held pending; sti enables
// interrupts only after the next instruction (the "sti shadow"), and that
// instruction is the hlt, so the pending interrupt ends the hlt instead of
// running before it. Both are one asm statement (cpu_enable_and_halt), so the
// compiler cannot put anything between them either.
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
    // already stale, and the hlt below sleeps anyway. (On the simulated CPU
    // each turn of the window is a point where an interrupt can land.)
    for (volatile unsigned long i = 0; i < window; i++)
        cpu_interrupt_point();
    trace_idle_begin(ex);
    cpu_halt();
    trace_idle_end(ex);
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
        return false; // ended already, or the slot holds a newer task
    if (ex->polling == &ex->slots[id.slot])
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
    const struct task_slot *s = ex->polling;
    if (!s || !s->task)
        return false;
    *id = (struct task_id){(uint32_t)(s - ex->slots),
                           katomic_load(&s->generation, memory_order_relaxed)};
    *poll = task_future(s->task)->poll;
    return true;
}

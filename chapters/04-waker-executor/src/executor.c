// The waker executor of executor.h: the task table, the wakers, the run loop.
#include "executor.h"

#include "cpu.h"
#include "katomic.h"
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

// region: executor_run
void executor_run(struct executor *ex)
{
    for (;;)
        executor_run_ready_tasks(ex); // busy: nothing ready means try again at once
}
// endregion: executor_run

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

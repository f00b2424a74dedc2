// The executor of executor.h on several CPUs: the task table, the wakers,
// the queues, stealing, and the idle loop that loses no wakeup.
#include "executor.h"

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
// again in the same memory. Tasks end on every CPU: a fetch_add hands each
// CPU its own.
static _Atomic uint64_t generations;
static uint64_t new_generation(void)
{
    return (katomic_fetch_add(&generations, 1, memory_order_relaxed) + 1) &
           (UINT64_MAX >> TASK_SLOT_BITS);
}
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

static struct executor_cpu *this_cpu(struct executor *ex) { return &ex->cpus[cpu_index()]; }

void executor_init(struct executor *ex, unsigned cpus, void (*wake_cpu)(unsigned cpu))
{
    if (cpus < 1 || cpus > CPUS_MAX)
        panic("executor_init: %u CPUs (1 to %d)", cpus, CPUS_MAX);
    *ex = (struct executor){.cpu_count = cpus, .wake_cpu = wake_cpu};
    atomic_init(&ex->free_count, EXECUTOR_MAX_TASKS);
    atomic_init(&ex->stealing, true);
    for (unsigned i = 0; i < EXECUTOR_MAX_TASKS; i++) {
        ex->free_slots[i] = (uint8_t)(EXECUTOR_MAX_TASKS - 1 - i); // slot 0 is used first
        atomic_init(&ex->slots[i].generation, new_generation());
    }
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
        deque_init(&ex->cpus[cpu].ready);
    injector_init(&ex->injector);
    katomic_store(&current_executor, ex, memory_order_release);
}

void executor_set_stealing(struct executor *ex, bool on)
{
    katomic_store(&ex->stealing, on, memory_order_relaxed);
}

void executor_set_idle(struct executor *ex, enum executor_idle idle) { ex->idle = idle; }

// ---- the queues, and calling a sleeping CPU -------------------------------

static void wake_sleepers_naive(struct executor *ex);

// region: wake_sleepers
// The waker's half of the idle protocol (sleep_if_idle has the argument),
// after a push that another CPU could take: fence, then read every other
// CPU's flag, and interrupt each one that is going to sleep.
static void wake_sleepers(struct executor *ex)
{
    unsigned me = cpu_index();
    // An interrupt handler that finds its own CPU's flag set has ended that
    // CPU's hlt (the flag is set only with interrupts off, until the hlt):
    // when the handler returns, this CPU looks at every queue itself.
    if (cpu_in_interrupt() && katomic_load(&ex->cpus[me].sleeping, memory_order_relaxed))
        return;
    // exercise: 6.4 begin
    // Our push before our reads of the flags: without the fence, x86 lets a
    // read overtake a store still in the store buffer.
    cpu_full_fence();
    for (unsigned cpu = 0; cpu < ex->cpu_count; cpu++)
        if (cpu != me && katomic_load(&ex->cpus[cpu].sleeping, memory_order_relaxed)) {
            trace_ipi_send(ex, cpu);
            if (ex->wake_cpu)
                ex->wake_cpu(cpu);
        }
    // exercise: 6.4 end
}
// endregion: wake_sleepers

// After every push: the real protocol's waker half or its naive twin's, with
// the trace layer told before and after (it counts the lost wakeups).
static void after_push(struct executor *ex)
{
    trace_notify_begin(ex);
    if (ex->idle == EXECUTOR_IDLE_RACE_FREE)
        wake_sleepers(ex);
    else
        wake_sleepers_naive(ex);
    trace_notify_end(ex);
}

// region: push_ready
// Puts a task that was just queued (its QUEUED bit set by us) where a CPU
// will take it. An interrupt handler may not push to the deque of the CPU
// it interrupted (deque.h: one owner, never interrupted by itself): it
// uses the injector. A task's wake during a round waits in the CPU's woken
// list for the round's end (the round's fairness). Otherwise the task goes
// to this CPU's deque, where it is also within another CPU's reach.
static void push_ready(struct executor *ex, uint32_t slot)
{
    struct executor_cpu *c = this_cpu(ex);
    if (cpu_in_interrupt()) {
        injector_push(&ex->injector, (uint8_t)slot);
        after_push(ex);
    } else if (c->in_round) {
        c->woken[c->woken_count++] = (uint8_t)slot;
    } else {
        deque_push(&c->ready, slot);
        after_push(ex);
    }
}
// endregion: push_ready

// At the end of a round: the tasks its polls woke into this CPU's deque,
// and one call for all of them. The last woken goes in first: the next
// round, popping newest first, polls them in the order they were woken.
static void push_woken(struct executor *ex, struct executor_cpu *c)
{
    if (!c->woken_count)
        return;
    for (unsigned i = c->woken_count; i-- > 0;)
        deque_push(&c->ready, c->woken[i]);
    c->woken_count = 0;
    after_push(ex);
}

// ---- waking ---------------------------------------------------------------

// region: executor_wake
// Why no wakeup is lost. A wake W of task T comes after whatever its
// producer published. W sets QUEUED with a read-modify-write, and all of
// those on T's state fall in one total order, each seeing the one before:
// - W finds neither bit: W queues T. The CPU that takes T claims it after W
//   (acquire), so its poll sees what W's producer published.
// - W finds QUEUED alone: T is in a queue, not yet claimed. The claim comes
//   after W in the order, and its poll sees the same.
// - W finds POLLING: a poll is under way. Its let_go comes after W, finds
//   QUEUED and queues T again, for a poll after W.
// A queued task is taken: by its CPU's next round, which comes since that
// CPU is awake (it queued T or it is polling), or by a CPU that steals it or
// pops the injector; a CPU that was asleep is called (sleep_if_idle).
//
// Why a task is polled on one CPU at a time. Only a read-modify-write that
// sets QUEUED where both bits were clear, or the let_go of a poller that
// finds QUEUED, queues a slot; so each slot has at most one entry in all the
// queues together, and while it has one its state is QUEUED exactly. Each
// entry is taken once (the deque and the injector promise it), and only its
// taker claims the task (QUEUED -> POLLING), polls it, and lets go; until
// then a wake only sets QUEUED, and no entry exists for another CPU to take.
static void queue_slot(struct executor *ex, uint32_t slot)
{
    // exercise: 4.2 begin
    // Release: the CPU that claims the task sees what our producer
    // published. Acquire: if a poller lets go after us, we see its poll.
    if (katomic_fetch_or(&ex->slots[slot].state, TASK_QUEUED, memory_order_acq_rel) == 0)
        push_ready(ex, slot); // neither queued nor polled: ours to queue
    // exercise: 4.2 end
}

void executor_wake(struct task_id id)
{
    struct executor *ex = katomic_load(&current_executor, memory_order_acquire);
    if (!ex || id.slot >= EXECUTOR_MAX_TASKS)
        return; // no executor yet, or a forged id
    // Told first: once queued, the task may be polled on another CPU
    // before this line would come, and the trace times the wait to the poll.
    trace_wake(ex, id);
    // A stale id does nothing. (A task that ends between this check and
    // the queueing below gets its slot queued once more: whoever takes the
    // entry finds the slot empty, or polls the slot's next task once for
    // nothing, which the contract of poll allows.)
    if (katomic_load(&ex->slots[id.slot].generation, memory_order_relaxed) == id.generation)
        queue_slot(ex, id.slot);
}
// endregion: executor_wake

// ---- the table ------------------------------------------------------------

static bool take_slot(struct executor *ex, uint32_t *slot)
{
    bool was_enabled = spin_lock_irqsave(&ex->table_lock);
    unsigned n = katomic_load(&ex->free_count, memory_order_relaxed);
    if (n)
        *slot = ex->free_slots[n - 1];
    if (n)
        katomic_store(&ex->free_count, n - 1, memory_order_relaxed);
    spin_unlock_irqrestore(&ex->table_lock, was_enabled);
    return n != 0;
}

static void give_slot(struct executor *ex, uint32_t slot)
{
    bool was_enabled = spin_lock_irqsave(&ex->table_lock);
    unsigned n = katomic_load(&ex->free_count, memory_order_relaxed);
    ex->free_slots[n] = (uint8_t)slot;
    katomic_store(&ex->free_count, n + 1, memory_order_relaxed);
    spin_unlock_irqrestore(&ex->table_lock, was_enabled);
}

enum executor_spawn_result executor_spawn(struct executor *ex, const struct future *future,
                                          size_t size, void (*drop)(struct future *),
                                          struct task_id *id)
{
    // exercise: 4.1 begin
    uint32_t slot;
    if (!take_slot(ex, &slot))
        return EXECUTOR_TABLE_FULL;
    struct task *task = task_new(future, size, drop);
    if (!task) {
        give_slot(ex, slot);
        return EXECUTOR_NO_MEMORY;
    }
    struct task_slot *s = &ex->slots[slot];
    if (id)
        *id = (struct task_id){slot, katomic_load(&s->generation, memory_order_relaxed)};
    // Release: a CPU that claims the slot and reads the task sees it whole.
    katomic_store(&s->task, task, memory_order_release);
    // A new task is ready: queued as a wake would. If the slot is still
    // queued (its last task was woken as it ended), or its last poller has
    // not let go yet, that entry, or that poller, queues this task.
    queue_slot(ex, slot);
    return EXECUTOR_SPAWNED;
    // exercise: 4.1 end
}

// region: finish
// The task in `slot` is done: take it out of the table, make its id stale,
// free the slot, and only then run its drop. A drop may wake, spawn or
// cancel; by then its own id is stale and the slot is free, so nothing it
// does can reach the task being freed, or free it twice. We still hold
// POLLING: a task spawned into the slot meanwhile is queued by our let_go.
__attribute__((noinline)) static void finish(struct executor *ex, uint32_t slot, struct task *task)
{
    struct task_slot *s = &ex->slots[slot];
    trace_task_end(ex, slot);
    // exercise: 4.4 begin
    katomic_store(&s->task, NULL, memory_order_relaxed);
    katomic_store(&s->generation, new_generation(), memory_order_relaxed);
    give_slot(ex, slot);
    task_free(task);
    // exercise: 4.4 end
}
// endregion: finish

// ---- a round --------------------------------------------------------------

// Polls the task with its own waker, noting which task this CPU is polling
// (for fault reports) and telling the trace layer.
static enum poll poll_task(struct executor *ex, uint32_t slot, struct task *task)
{
    struct task_slot *s = &ex->slots[slot];
    struct task_id id = {slot, katomic_load(&s->generation, memory_order_relaxed)};
    struct waker waker = executor_waker(id);
    struct context cx = {.waker = &waker};
    struct executor_cpu *c = this_cpu(ex);
    katomic_store(&c->polling, s, memory_order_relaxed);
    trace_poll_begin(ex, id);
    enum poll result = future_poll(task_future(task), &cx);
    trace_poll_end(ex, id);
    katomic_store(&c->polling, NULL, memory_order_relaxed);
    return result;
}

// region: run_task
// Claims the task in `slot`, whose queue entry we just took, polls it (or
// ends it, if it was cancelled), and lets go. Returns 1 if it polled.
static unsigned run_task(struct executor *ex, uint32_t slot)
{
    struct task_slot *s = &ex->slots[slot];
    // QUEUED -> POLLING. Acquire: we see what the wakes before us published,
    // and the last poll of the task, on whichever CPU it ran.
    unsigned was = katomic_exchange(&s->state, TASK_POLLING, memory_order_acq_rel);
    if (was != TASK_QUEUED)
        panic("executor: slot %u taken from a queue in state %u (queued twice?)", slot, was);
    unsigned polled = 0;
    struct task *task = katomic_load(&s->task, memory_order_acquire);
    if (task) { // NULL: the task ended after the wake that queued the slot
        uint64_t generation = katomic_load(&s->generation, memory_order_relaxed);
        bool cancelled = katomic_load(&s->cancelled, memory_order_relaxed) == generation;
        if (cancelled || (polled = 1, poll_task(ex, slot, task) == POLL_READY))
            finish(ex, slot, task);
    }
    // Release: the next CPU to claim the task sees what this poll did.
    // Acquire: a wake that set QUEUED during the poll left queueing to us.
    if (katomic_fetch_and(&s->state, ~TASK_POLLING, memory_order_acq_rel) & TASK_QUEUED)
        push_ready(ex, slot);
    return polled;
}
// endregion: run_task

// region: steal
// A CPU with no task of its own takes half of another CPU's, oldest first,
// into its own deque: one at a time would leave a CPU whose few tasks keep
// waking themselves with the rest of the work on the other CPU for good.
static void steal_half(struct executor *ex, struct executor_cpu *c)
{
    if (!katomic_load(&ex->stealing, memory_order_relaxed))
        return;
    unsigned me = cpu_index();
    for (unsigned i = 1; i < ex->cpu_count; i++) {
        unsigned cpu = (me + i) % ex->cpu_count;
        struct deque *victim = &ex->cpus[cpu].ready;
        int64_t n = katomic_load(&victim->bottom, memory_order_relaxed) -
                    katomic_load(&victim->top, memory_order_relaxed);
        uint32_t slot;
        for (int64_t want = (n + 1) / 2; want > 0;) {
            enum deque_steal got = deque_steal(victim, &slot);
            if (got == DEQUE_EMPTY)
                break;
            if (got == DEQUE_RETRY) { // another thief, or the owner, was first: look again
                cpu_relax();
                continue;
            }
            deque_push(&c->ready, slot);
            trace_steal(ex, cpu);
            want--;
        }
        if (!deque_is_empty(&c->ready))
            return;
    }
}
// endregion: steal

// region: run_ready_tasks
unsigned long executor_run_ready_tasks(struct executor *ex)
{
    struct executor_cpu *c = this_cpu(ex);
    unsigned long polls = 0;
    c->in_round = true;
    // First what interrupt handlers woke: as many as the injector held when
    // the round began (handlers keep pushing: the bound ends the round).
    uint8_t injected;
    for (uint32_t n = injector_length(&ex->injector); n && injector_pop(&ex->injector, &injected);
         n--)
        polls += run_task(ex, injected);
    // Then our own tasks, newest first, until there are none: nothing is
    // pushed to our deque during the round (our polls' wakes wait in
    // c->woken), so it empties, sooner if another CPU steals some. With none
    // of our own, half of another CPU's.
    if (deque_is_empty(&c->ready))
        steal_half(ex, c);
    uint32_t slot;
    while (deque_pop(&c->ready, &slot))
        polls += run_task(ex, slot);
    c->in_round = false;
    push_woken(ex, c);
    return polls;
}
// endregion: run_ready_tasks

// ---- sleeping -------------------------------------------------------------

// Anything this CPU could take: its own deque, the injector, or (stealing)
// another CPU's deque. A look, without locks: sleep_if_idle makes it enough.
static bool work_for_me(struct executor *ex)
{
    unsigned me = cpu_index();
    if (!deque_is_empty(&ex->cpus[me].ready) || !injector_is_empty(&ex->injector))
        return true;
    if (!katomic_load(&ex->stealing, memory_order_relaxed))
        return false;
    for (unsigned cpu = 0; cpu < ex->cpu_count; cpu++)
        if (cpu != me && !deque_is_empty(&ex->cpus[cpu].ready))
            return true;
    return false;
}

// Halts until the next interrupt, telling the trace layer (idle time, and
// wakes that find this CPU halted and do not call it: lost wakeups). Called
// with interrupts disabled; returns with them enabled.
static void halt_until_interrupt(struct executor *ex)
{
    trace_idle_begin(ex);
    cpu_enable_and_halt();
    trace_idle_end(ex);
}

// region: sleep_if_idle
// Why no wakeup is lost, on several CPUs. Chapter 05's argument (cli; look;
// sti; hlt) still covers this CPU's interrupt handlers: none can run between
// the look and the hlt, and one that is pending at the sti ends the hlt. It
// no longer covers the other CPUs: cli masks only this one, and a task
// queued on CPU 0 after CPU 1's look would wait for CPU 1's next timer tick.
// So the two sides make the handshake of chapter 03 again, a Dekker pair:
//   sleeper: store sleeping = true;  full fence;  look at every queue
//   waker:   push the task;          full fence;  read the flag, IPI if set
// The two fences fall in one total order. If the sleeper's comes first, the
// waker's read after its own fence sees the flag: it sends an IPI, which is
// held pending while this CPU's interrupts are off and ends the hlt (the
// sti shadow, as in chapter 05). If the waker's comes first, the sleeper's
// look after its own fence sees the task, and it does not sleep. Without
// the fences x86 may let each side's read overtake its own store, still in
// its store buffer: both read the old values, and the task waits.
void executor_sleep_if_idle(struct executor *ex)
{
    struct executor_cpu *c = this_cpu(ex);
    // exercise: 6.3 begin
    cpu_interrupts_disable();
    katomic_store(&c->sleeping, true, memory_order_relaxed);
    cpu_full_fence(); // the flag before the look
    if (work_for_me(ex)) {
        katomic_store(&c->sleeping, false, memory_order_relaxed);
        cpu_interrupts_enable();
        return;
    }
    halt_until_interrupt(ex); // sti; hlt
    // Awake: from here a wake need not call us (a late call is harmless).
    katomic_store(&c->sleeping, false, memory_order_relaxed);
    // exercise: 6.3 end
}
// endregion: sleep_if_idle

// region: sleep_if_idle_naive
// The twins, each missing one piece. NOFLAG is chapter 05's version: it
// looks with interrupts off, which keeps this CPU's handlers out, but
// nobody knows it sleeps, so a task queued by the other CPU after the look
// waits for this CPU's next timer tick. NOIPI announces and fences, but its
// wakers never call. NOFENCE has both halves without their fences: its
// store of the flag may still sit in the store buffer when it looks, while
// the waker's push sits in the other store buffer when it reads the flag.
void executor_sleep_if_idle_naive(struct executor *ex)
{
    struct executor_cpu *c = this_cpu(ex);
    cpu_interrupts_disable();
    if (ex->idle != EXECUTOR_IDLE_NOFLAG)
        katomic_store(&c->sleeping, true, memory_order_relaxed);
    if (ex->idle == EXECUTOR_IDLE_NOIPI)
        cpu_full_fence();
    if (work_for_me(ex)) {
        katomic_store(&c->sleeping, false, memory_order_relaxed);
        cpu_interrupts_enable();
        return;
    }
    halt_until_interrupt(ex);
    katomic_store(&c->sleeping, false, memory_order_relaxed);
}

static void wake_sleepers_naive(struct executor *ex)
{
    unsigned me = cpu_index();
    if (ex->idle != EXECUTOR_IDLE_NOIPI) // NOFLAG: no flag is ever set; NOFENCE: no fence
        for (unsigned cpu = 0; cpu < ex->cpu_count; cpu++)
            if (cpu != me && katomic_load(&ex->cpus[cpu].sleeping, memory_order_relaxed)) {
                trace_ipi_send(ex, cpu);
                if (ex->wake_cpu)
                    ex->wake_cpu(cpu);
            }
}
// endregion: sleep_if_idle_naive

// region: executor_run
void executor_run(struct executor *ex)
{
    for (;;) {
        executor_run_ready_tasks(ex);
        if (ex->idle == EXECUTOR_IDLE_RACE_FREE)
            executor_sleep_if_idle(ex);
        else
            executor_sleep_if_idle_naive(ex);
    }
}
// endregion: executor_run

// ---- cancel, spawner, questions -------------------------------------------

bool executor_cancel(struct executor *ex, struct task_id id)
{
    if (id.slot >= EXECUTOR_MAX_TASKS)
        return false;
    struct task_slot *s = &ex->slots[id.slot];
    if (katomic_load(&s->generation, memory_order_relaxed) != id.generation)
        return false; // ended already, or the slot holds a newer task
    // The mark names the generation: if the task ends meanwhile, it can
    // never end the slot's next task. The wake's release publishes it to
    // whoever claims the task next.
    katomic_store(&s->cancelled, id.generation, memory_order_relaxed);
    queue_slot(ex, id.slot);
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
    return EXECUTOR_MAX_TASKS - katomic_load(&ex->free_count, memory_order_relaxed);
}

bool executor_current(const struct executor *ex, struct task_id *id,
                      enum poll (**poll)(struct future *, struct context *))
{
    unsigned me = cpu_index();
    const struct task_slot *s = katomic_load(&ex->cpus[me].polling, memory_order_relaxed);
    struct task *task = s ? katomic_load(&s->task, memory_order_relaxed) : NULL;
    if (!task)
        return false;
    *id = (struct task_id){(uint32_t)(s - ex->slots),
                           katomic_load(&s->generation, memory_order_relaxed)};
    *poll = task_future(task)->poll;
    return true;
}

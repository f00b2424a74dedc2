// The executor on two CPUs, Embassy-style: each test records a trace ("poll
// a", "wake a", ...) and asserts it exactly. The simulated CPU plays CPU 0
// unless a test says otherwise (simcpu_set_cpu_index), and another CPU's
// code can step in between two of its accesses (simcpu_other_cpu_at_point).
// Where a task waits (the deque of the CPU that woke it, the injector, the
// list of a round); what a round polls and in which order; stealing; a task
// polled on one CPU at a time; the cross-CPU wake (exercise 6.4): a push,
// a fence, the flags, an IPI; and a wake landing at every interrupt point.
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "executor.h"
#include "mem.h"
#include "simcpu.h"
#include "testing.h"
#include "trace.h"

static void free_tasks(void);
TestSuite(executor_spawn, .fini = free_tasks, .timeout = 10);
TestSuite(executor_wake, .fini = free_tasks, .timeout = 10);
TestSuite(run_ready, .fini = free_tasks, .timeout = 10);
TestSuite(completion, .fini = free_tasks, .timeout = 10);
TestSuite(steal, .fini = free_tasks, .timeout = 10);
TestSuite(one_cpu_at_a_time, .fini = free_tasks, .timeout = 20);
TestSuite(cross_cpu_wake, .fini = free_tasks, .timeout = 10);
TestSuite(executor, .fini = free_tasks, .timeout = 20); // models, interrupt points

static char trace[4096];

static void note(const char *what, const char *name)
{
    size_t len = strlen(trace);
    snprintf(trace + len, sizeof trace - len, "%s%s %s", len ? ", " : "", what, name);
}

// A test task: each poll notes "poll NAME" (with "@1" when CPU 1 polls it),
// wakes itself `self_wakes` times, keeps a clone of its waker (for the test
// to wake it later), and is pending `pending` times before it is ready.
struct traced {
    struct future base;
    const char *name;
    int pending, self_wakes;
};

static struct waker saved[8]; // the latest waker each task was polled with, by name's letter
static unsigned long polled[8];

static unsigned letter(const char *name) { return (unsigned)(name[0] - 'a') % 8; }

static enum poll traced_poll(struct future *f, struct context *cx)
{
    struct traced *self = CONTAINER_OF(f, struct traced, base);
    char name[16];
    snprintf(name, sizeof name, "%s%s", self->name, cpu_index() ? "@1" : "");
    note("poll", name);
    polled[letter(self->name)]++;
    for (int i = 0; i < self->self_wakes; i++)
        waker_wake_by_ref(cx->waker);
    saved[letter(self->name)] = waker_clone(cx->waker);
    if (self->pending-- > 0)
        return POLL_PENDING;
    return POLL_READY;
}

static struct executor ex;                         // big: keep it off the stack
static const char *task_names[EXECUTOR_MAX_TASKS]; // by slot, for the drains

// The IPIs the executor sent, by CPU; the IPI line is raised only when the
// test asks (ipi_raises): then the simulated CPU takes the interrupt.
#define IPI 3
static unsigned ipis[CPUS_MAX];
static bool ipi_raises;
static void record_ipi(unsigned cpu)
{
    ipis[cpu]++;
    if (ipi_raises)
        simcpu_raise(IPI);
}

static struct task_id spawn(const char *name, int pending, int self_wakes)
{
    struct traced t = {.name = name, .pending = pending, .self_wakes = self_wakes};
    future_init(&t.base, traced_poll);
    struct task_id id;
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &t, NULL, &id), EXECUTOR_SPAWNED, "spawning %s", name);
    task_names[id.slot] = name;
    return id;
}

static void wake(const char *name)
{
    note("wake", name);
    waker_wake_by_ref(&saved[letter(name)]);
}

// One round of the run loop on this CPU, or rounds until one finds nothing.
static unsigned long one_round(void) { return executor_run_ready_tasks(&ex); }
static void run(void)
{
    while (executor_run_ready_tasks(&ex))
        ;
}

static void expect_trace(const char *expected) { ASSERT_STR_EQ(trace, expected); }

static struct task *task_of(uint32_t slot) { return atomic_load(&ex.slots[slot].task); }

// Tasks still pending at the end of a test are freed, so that the leak
// checker reports only real leaks.
static void free_tasks(void)
{
    for (unsigned i = 0; i < EXECUTOR_MAX_TASKS; i++)
        if (task_of(i)) {
            task_free(task_of(i));
            atomic_store(&ex.slots[i].task, NULL);
        }
}

static void fresh(void)
{
    free_tasks();
    simcpu_reset();
    executor_init(&ex, 2, record_ipi);
    trace[0] = '\0';
    memset(polled, 0, sizeof polled);
    memset(ipis, 0, sizeof ipis);
    ipi_raises = false;
    memset(task_names, 0, sizeof task_names);
}

// What CPU `cpu`'s deque holds, oldest first, as a string of task names
// ("a b"), emptied (white box: the items between top and bottom) as if a
// CPU had taken each entry and let go.
static char queued_names[256];
static const char *drain_deque(unsigned cpu)
{
    struct deque *d = &ex.cpus[cpu].ready;
    queued_names[0] = '\0';
    for (int64_t i = atomic_load(&d->top); i < atomic_load(&d->bottom); i++) {
        uint32_t slot = atomic_load(&d->items[(uint64_t)i % DEQUE_CAPACITY]);
        atomic_store(&ex.slots[slot].state, 0);
        size_t len = strlen(queued_names);
        snprintf(queued_names + len, sizeof queued_names - len, "%s%s", len ? " " : "",
                 task_names[slot] ? task_names[slot] : "?");
    }
    atomic_store(&d->top, atomic_load(&d->bottom));
    return queued_names;
}
static const char *drain_queue(void) { return drain_deque(0); }

static const char *drain_injector(void)
{
    queued_names[0] = '\0';
    uint8_t slot;
    while (injector_pop(&ex.injector, &slot)) {
        atomic_store(&ex.slots[slot].state, 0);
        size_t len = strlen(queued_names);
        snprintf(queued_names + len, sizeof queued_names - len, "%s%s", len ? " " : "",
                 task_names[slot] ? task_names[slot] : "?");
    }
    return queued_names;
}

// ---- spawn: into the table, and onto this CPU's deque ----

Test(executor_spawn, a_spawned_task_takes_a_slot_and_is_queued_on_this_cpu, .init = fresh)
{
    struct mem_stats before = mem_stats();
    struct task_id a = spawn("a", 0, 0);
    cr_assert_lt(a.slot, EXECUTOR_MAX_TASKS, "slot %u is outside the table", a.slot);
    cr_assert_not_null(task_of(a.slot), "slot %u holds no task", a.slot);
    ASSERT_EQ(a.generation, atomic_load(&ex.slots[a.slot].generation), "the id's generation");
    ASSERT_EQ(atomic_load(&ex.slots[a.slot].state), TASK_QUEUED, "a new task is queued");
    ASSERT_EQ(executor_task_count(&ex), 1);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + 1, "the task is on the heap");
    ASSERT_STR_EQ(drain_deque(1), "", "CPU 1's deque");
    ASSERT_STR_EQ(drain_queue(), "a", "CPU 0's deque");
    simcpu_set_cpu_index(1);
    spawn("b", 0, 0);
    ASSERT_STR_EQ(drain_deque(1), "b", "spawned on CPU 1: CPU 1's deque");
}

Test(executor_spawn, live_tasks_have_distinct_slots_and_a_full_table_refuses, .init = fresh)
{
    bool used[EXECUTOR_MAX_TASKS] = {0};
    for (int i = 0; i < EXECUTOR_MAX_TASKS; i++) {
        struct task_id id = spawn("a", 1, 0);
        cr_assert(!used[id.slot], "spawn %d reused live slot %u", i, id.slot);
        used[id.slot] = true;
    }
    struct mem_stats before = mem_stats();
    struct traced t = {.name = "z"};
    future_init(&t.base, traced_poll);
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &t, NULL, NULL), EXECUTOR_TABLE_FULL);
    ASSERT_EQ(mem_stats().total_allocations, before.total_allocations, "a refused spawn allocates");
    ASSERT_EQ(executor_task_count(&ex), EXECUTOR_MAX_TASKS);
    ASSERT_EQ(deque_overflows(&ex.cpus[0].ready), 0, "a deque holds the whole table");
}

Test(executor_spawn, out_of_memory_is_reported_and_the_slot_kept, .init = fresh)
{
    struct traced t = {.name = "a"};
    future_init(&t.base, traced_poll);
    mem_inject_failure(0);
    enum executor_spawn_result result = EXECUTOR_SPAWN(&ex, &t, NULL, NULL);
    mem_inject_failure(-1);
    ASSERT_EQ(result, EXECUTOR_NO_MEMORY);
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_STR_EQ(drain_queue(), "", "nothing was queued");
    spawn("a", 0, 0);
    ASSERT_STR_EQ(drain_queue(), "a");
}

// ---- wake: where a woken task waits ----

Test(executor_wake, a_wake_from_a_task_context_goes_to_this_cpus_deque, .init = fresh)
{
    struct task_id a = spawn("a", 1, 0), b = spawn("b", 1, 0);
    drain_queue();
    int n = (int)test_random_range(2, 10);
    for (int i = 0; i < n; i++)
        executor_wake(b);
    executor_wake(a);
    ASSERT_STR_EQ(drain_queue(), "b a", "%d wakes of b, then one of a", n);
    simcpu_set_cpu_index(1);
    executor_wake(a);
    ASSERT_STR_EQ(drain_deque(1), "a", "woken on CPU 1");
    ASSERT_STR_EQ(drain_injector(), "");
}

static struct task_id irq_wakes;
static void waking_irq(void) { executor_wake(irq_wakes); }

Test(executor_wake, a_wake_from_an_interrupt_goes_to_the_injector, .init = fresh)
{
    irq_wakes = spawn("a", 1, 0);
    drain_queue();
    simcpu_set_handler(2, waking_irq);
    simcpu_raise(2);
    simcpu_raise(2);
    ASSERT_STR_EQ(drain_queue(), "", "an interrupt handler leaves the deque alone");
    ASSERT_STR_EQ(drain_injector(), "a", "two wakes, one entry");
}

Test(executor_wake, a_stale_generation_is_ignored, .init = fresh)
{
    struct task_id a = spawn("a", 1, 0);
    drain_queue();
    executor_wake((struct task_id){a.slot, a.generation - 1});
    ASSERT_STR_EQ(drain_queue(), "", "a wake for an older task in the slot");
    ASSERT_EQ(atomic_load(&ex.slots[a.slot].state), 0, "a stale wake sets no bit");
    executor_wake(a);
    ASSERT_STR_EQ(drain_queue(), "a");
}

Test(executor_wake, a_slot_outside_the_table_touches_nothing, .init = fresh)
{
    spawn("a", 1, 0);
    drain_queue();
    static struct executor before;
    before = ex;
    for (uint32_t slot = EXECUTOR_MAX_TASKS; slot < EXECUTOR_MAX_TASKS + 80; slot++)
        executor_wake((struct task_id){slot, 0});
    executor_wake((struct task_id){UINT32_MAX, 1});
    cr_assert(memcmp(&before, &ex, sizeof ex) == 0, "a forged slot changed the executor");
}

Test(executor_wake, no_waker_operation_allocates, .init = fresh)
{
    struct task_id a = spawn("a", 3, 0);
    drain_queue();
    struct mem_stats before = mem_stats();
    struct waker w = executor_waker(a);
    struct waker copy = waker_clone(&w);
    waker_wake_by_ref(&copy);
    struct waker other = waker_clone(&copy);
    waker_drop(&other);
    waker_wake(&copy);
    waker_drop(&w);
    ASSERT_EQ(mem_stats().total_allocations, before.total_allocations, "allocations by wakers");
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations, "frees by wakers");
    ASSERT_STR_EQ(drain_queue(), "a");
}

// ---- a round ----

// region: traces_run_ready

Test(run_ready, polls_this_cpus_tasks_newest_first, .init = fresh)
{
    spawn("a", 9, 0);
    spawn("b", 9, 0);
    ASSERT_EQ(one_round(), 2);
    ASSERT_EQ(one_round(), 0, "nothing was woken");
    wake("a");
    ASSERT_EQ(one_round(), 1);
    expect_trace("poll b, poll a, wake a, poll a");
}

Test(run_ready, the_injector_first_then_the_deque, .init = fresh)
{
    spawn("a", 9, 0);
    irq_wakes = spawn("b", 9, 0);
    run();
    simcpu_set_handler(2, waking_irq);
    wake("a");
    simcpu_raise(2);
    note("irq", "b");
    ASSERT_EQ(one_round(), 2);
    expect_trace("poll b, poll a, wake a, irq b, poll b, poll a");
}

Test(run_ready, tasks_woken_during_a_round_wait_for_the_next_in_the_order_woken, .init = fresh)
{
    spawn("a", 9, 1); // wakes itself in every poll
    spawn("b", 9, 0);
    spawn("c", 9, 1);
    ASSERT_EQ(one_round(), 3);
    ASSERT_EQ(one_round(), 2, "c and a, woken in that order");
    ASSERT_EQ(one_round(), 2);
    expect_trace("poll c, poll b, poll a, poll c, poll a, poll c, poll a");
}

Test(run_ready, two_self_wakes_in_one_poll_queue_it_once, .init = fresh)
{
    spawn("a", 9, 2);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(one_round(), 1, "two wakes, one poll");
    ASSERT_STR_EQ(drain_queue(), "a", "queued once more, not twice");
}

// A task that keeps waking itself cannot keep the round from ending, and
// each task ready when a round begins is polled in it.
Test(run_ready, tasks_that_wake_themselves_take_turns, .init = fresh)
{
    spawn("a", 9, 1);
    spawn("b", 9, 1);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(one_round(), 2, "round %d", i + 1);
    expect_trace("poll b, poll a, poll b, poll a, poll b, poll a");
}

Test(run_ready, the_waker_given_to_a_poll_is_the_tasks_own, .init = fresh)
{
    spawn("x", 9, 0);
    struct task_id a = spawn("a", 9, 0);
    run();
    struct waker mine = executor_waker(a);
    cr_assert(waker_will_wake(&saved[0], &mine), "a's poll got a waker for another task");
}

// endregion: traces_run_ready

// ---- completion and stale ids ----

// region: traces_completion

Test(completion, a_finished_task_is_freed_and_its_slot_reused, .init = fresh)
{
    struct mem_stats before = mem_stats();
    struct task_id a = spawn("a", 0, 0);
    run();
    expect_trace("poll a");
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations, "the task was freed");
    struct task_id b = spawn("b", 0, 0);
    ASSERT_EQ(b.slot, a.slot, "the freed slot is reused");
    cr_assert_neq(b.generation, a.generation, "with a new generation");
}

Test(completion, a_stale_id_does_not_wake_the_slots_next_task, .init = fresh)
{
    spawn("a", 0, 0);
    run();
    spawn("b", 1, 0);
    run();
    wake("a");
    run();
    expect_trace("poll a, poll b, wake a");
    wake("b");
    run();
    expect_trace("poll a, poll b, wake a, wake b, poll b");
}

// The task's wake during its last poll set QUEUED while it was POLLING: its
// let-go finds the bit and queues the slot, whose task is gone by then: the
// entry is taken and skipped, not polled.
Test(completion, a_task_that_wakes_itself_as_it_finishes_is_not_polled_again, .init = fresh)
{
    spawn("a", 0, 1);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(one_round(), 0, "the queued slot has no task: skipped, not polled");
    expect_trace("poll a");
    spawn("b", 0, 0); // reuses the slot
    run();
    expect_trace("poll a, poll b");
}

// A spawn into a slot still queued must not queue it a second time: the
// entry there stands for the new task, which is polled once.
Test(completion, a_spawn_into_a_slot_still_queued_queues_it_once, .init = fresh)
{
    struct task_id a = spawn("a", 0, 1);
    ASSERT_EQ(one_round(), 1);
    struct task_id b = spawn("b", 1, 0);
    ASSERT_EQ(b.slot, a.slot, "b takes a's slot");
    ASSERT_EQ(one_round(), 1, "b is polled once");
    expect_trace("poll a, poll b");
    ASSERT_STR_EQ(drain_queue(), "");
}

// CPU 1 spawns at every interrupt point of the round in which task a ends
// on CPU 0. Where the spawn takes a's slot before CPU 0 has let go of it,
// it finds POLLING and leaves the queueing to the let-go. Every time, the
// new task is polled exactly once.
static struct task_id spawned_meanwhile;
static bool met_polling;
static void cpu1_spawns(void)
{
    // CPU 0 holds the table's lock: CPU 1 would wait, and spawn after the
    // unlock (a later point). Here, where nothing runs meanwhile, it skips.
    if (atomic_load(&ex.table_lock.next) != atomic_load(&ex.table_lock.serving))
        return;
    spawned_meanwhile = spawn("b", 0, 0);
    if (atomic_load(&ex.slots[spawned_meanwhile.slot].state) & TASK_POLLING)
        met_polling = true;
}

Test(completion, a_spawn_into_a_slot_its_last_poller_still_holds_is_polled_once, .init = fresh)
{
    spawn("a", 0, 0);
    uint64_t start = simcpu_points();
    one_round();
    uint64_t points = simcpu_points() - start;
    met_polling = false;
    for (uint64_t k = 1; k <= points; k++) {
        fresh();
        spawn("a", 0, 0);
        spawned_meanwhile = (struct task_id){0, 0};
        task_names[0] = NULL;
        simcpu_other_cpu_at_point(1, cpu1_spawns, k);
        one_round();
        simcpu_other_cpu_at_point(1, NULL, 0);
        run();
        simcpu_set_cpu_index(1);
        run();
        simcpu_set_cpu_index(0);
        if (task_names[spawned_meanwhile.slot] == NULL)
            continue; // skipped: the lock was held
        ASSERT_EQ(polled[letter("b")], 1, "k=%llu: b is polled exactly once (%s)",
                  (unsigned long long)k, trace);
        ASSERT_EQ(executor_task_count(&ex), 0, "k=%llu", (unsigned long long)k);
    }
    cr_assert(met_polling, "no point found where the spawn met the slot still held");
}

Test(completion, ten_thousand_tasks_through_the_table, .init = fresh)
{
    struct mem_stats before = mem_stats();
    unsigned long spawned = 0;
    while (spawned < 10000) {
        long batch = test_random_range(1, EXECUTOR_MAX_TASKS);
        for (long i = 0; i < batch && spawned < 10000; i++, spawned++)
            spawn("a", (int)test_random_range(0, 3), 1);
        run();
        ASSERT_EQ(executor_task_count(&ex), 0, "after %lu spawns", spawned);
    }
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
    ASSERT_EQ(deque_overflows(&ex.cpus[0].ready), 0);
}

// endregion: traces_completion

// A task's drop runs after the task has left its slot: the drop below spawns
// a task (which may take that very slot) and wakes another, and every task
// is freed exactly once, every slot given back once.
static struct task_id drop_wakes, dropping;
static void spawn_and_wake_on_drop(struct future *f)
{
    (void)f;
    note("drop", "a");
    cr_assert_null(task_of(dropping.slot), "the drop runs after the task left its slot");
    cr_assert_neq(atomic_load(&ex.slots[dropping.slot].generation), dropping.generation,
                  "with its id already stale");
    spawn("c", 0, 0);
    executor_wake(drop_wakes);
}

Test(completion, a_drop_that_spawns_and_wakes_runs_after_the_task_left, .init = fresh)
{
    struct mem_stats before = mem_stats();
    drop_wakes = spawn("b", 1, 0);
    ASSERT_EQ(one_round(), 1); // b waits
    struct traced t = {.name = "a"};
    future_init(&t.base, traced_poll);
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &t, spawn_and_wake_on_drop, &dropping), EXECUTOR_SPAWNED);
    ASSERT_EQ(one_round(), 1);
    expect_trace("poll b, poll a, drop a");
    ASSERT_EQ(executor_task_count(&ex), 2, "b, and c, spawned by a's drop");
    run();
    // c took a's slot, which a's CPU still held (POLLING): a's let-go queued
    // it, after the drop's wake of b.
    expect_trace("poll b, poll a, drop a, poll b, poll c");
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations, "every task freed once");
}

// The fault report's source: during a poll, executor_current names the task
// this CPU is polling, not the one polled before it.
static struct task_id seen_current;
static bool seen_polling;
static enum poll current_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    enum poll (*poll)(struct future *, struct context *) = NULL;
    seen_polling = executor_current(&ex, &seen_current, &poll);
    cr_assert(poll == current_poll, "executor_current names the poll function too");
    return POLL_READY;
}

Test(completion, executor_current_names_the_task_being_polled, .init = fresh)
{
    spawn("a", 0, 0);
    spawn("b", 0, 0);
    run(); // slots 0 and 1 get new generations
    struct future f;
    future_init(&f, current_poll);
    struct task_id id;
    ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, &id), EXECUTOR_SPAWNED);
    spawn("c", 5, 0);
    run();
    cr_assert(seen_polling);
    ASSERT_EQ(seen_current.slot, id.slot, "the slot of the task being polled");
    ASSERT_EQ(seen_current.generation, id.generation, "and its generation");
    struct task_id after;
    enum poll (*poll)(struct future *, struct context *);
    cr_assert(!executor_current(&ex, &after, &poll), "between polls, no task is current");
}

// ---- stealing ----

Test(steal, a_cpu_with_nothing_of_its_own_steals_half_of_another_oldest_first, .init = fresh)
{
    spawn("a", 9, 0);
    spawn("b", 9, 0);
    spawn("c", 9, 0);
    spawn("d", 9, 0);
    simcpu_set_cpu_index(1);
    ASSERT_EQ(one_round(), 2, "CPU 1 stole two of four");
    simcpu_set_cpu_index(0);
    ASSERT_EQ(one_round(), 2);
    expect_trace("poll b@1, poll a@1, poll d, poll c");
    ASSERT_EQ(trace_cpu_counts(1).steals, 2);
}

// Its wakes go to the thief's deque: CPU 1 keeps it, without stealing, as
// long as it has it; CPU 0, with nothing, may take it back.
Test(steal, a_stolen_task_that_wakes_itself_stays_with_its_thief, .init = fresh)
{
    spawn("a", 9, 1);
    simcpu_set_cpu_index(1);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(trace_cpu_counts(1).steals, 1, "stolen once, then CPU 1's own");
    simcpu_set_cpu_index(0);
    ASSERT_EQ(one_round(), 1, "CPU 0, with nothing, steals it back");
    expect_trace("poll a@1, poll a@1, poll a");
}

Test(steal, with_stealing_off_a_cpu_takes_only_its_own_and_the_injector, .init = fresh)
{
    executor_set_stealing(&ex, false);
    spawn("a", 9, 0);
    simcpu_set_cpu_index(1);
    ASSERT_EQ(one_round(), 0, "CPU 0's task stays on CPU 0");
    simcpu_set_cpu_index(0);
    ASSERT_EQ(one_round(), 1);
    expect_trace("poll a");
}

// ---- one CPU at a time ----

// While CPU 0 polls task a, CPU 1 steps in at every interrupt point of the
// round and does everything another CPU could do to a: wake it (from a task)
// and run a round of its own. a must never be polled by CPU 1 while CPU 0's
// poll is under way (the claim would find POLLING and panic), it is queued
// at most once, and the wake is never lost: a is polled again after it.
static struct task_id jumpy;
static bool in_poll_of_a, cpu1_stepped_in_a_poll;
static unsigned long polls_begun_at_wake;
static bool cpu1_stepped_in;
static enum poll jumpy_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    cr_assert(!in_poll_of_a, "a is polled on two CPUs at once");
    in_poll_of_a = true;
    note("poll", cpu_index() ? "a@1" : "a");
    polled[0]++;
    cpu_interrupt_point(); // a point inside the poll, for CPU 1 to step in at
    in_poll_of_a = false;
    return POLL_PENDING;
}

static void cpu1_wakes_and_runs(void)
{
    if (in_poll_of_a)
        cpu1_stepped_in_a_poll = true;
    polls_begun_at_wake = polled[0];
    cpu1_stepped_in = true;
    executor_wake(jumpy);
    run();
}

Test(one_cpu_at_a_time, another_cpu_at_every_point_of_a_poll_never_polls_it_too, .init = fresh)
{
    struct future f;
    future_init(&f, jumpy_poll);
    ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, &jumpy), EXECUTOR_SPAWNED);
    run();
    executor_wake(jumpy);
    uint64_t start = simcpu_points();
    one_round();
    uint64_t points = simcpu_points() - start;
    for (uint64_t k = 1; k <= points; k++) {
        fresh();
        ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, &jumpy), EXECUTOR_SPAWNED);
        run();
        polled[0] = 0;
        trace[0] = '\0';
        executor_wake(jumpy);
        cpu1_stepped_in = false;
        simcpu_other_cpu_at_point(1, cpu1_wakes_and_runs, k);
        one_round();
        simcpu_other_cpu_at_point(1, NULL, 0);
        cr_assert(cpu1_stepped_in, "k=%llu: CPU 1 stepped in", (unsigned long long)k);
        run(); // CPU 0 takes what CPU 1's wake left queued, if anything
        simcpu_set_cpu_index(1);
        run();
        simcpu_set_cpu_index(0);
        cr_assert_gt(polled[0], polls_begun_at_wake,
                     "k=%llu: CPU 1's wake came after %lu polls had begun, and none began "
                     "after it (%s)", (unsigned long long)k, polls_begun_at_wake, trace);
        ASSERT_STR_EQ(drain_queue(), "", "k=%llu: nothing left queued", (unsigned long long)k);
        ASSERT_EQ(atomic_load(&ex.slots[jumpy.slot].state), 0, "k=%llu", (unsigned long long)k);
    }
    cr_assert(cpu1_stepped_in_a_poll, "no point fell inside the poll");
    test_points("executor.one_cpu_at_a_time", false, points, points, 0);
}

// ---- 6.4: the cross-CPU wake ----

// region: traces_cross_cpu_wake

Test(cross_cpu_wake, a_wake_calls_the_cpu_that_announced_it_sleeps, .init = fresh)
{
    struct task_id a = spawn("a", 9, 0);
    drain_queue(); // as if polled: pending, in no queue
    atomic_store(&ex.cpus[1].sleeping, true); // CPU 1, between its announce and its hlt
    executor_wake(a);
    ASSERT_EQ(ipis[1], 1, "one IPI to CPU 1");
    ASSERT_EQ(ipis[0], 0, "none to the waker's own CPU");
    ASSERT_EQ(trace_cpu_counts(0).ipis_sent, 1, "the trace layer saw it");
    ASSERT_STR_EQ(drain_queue(), "a", "the task is on CPU 0's deque, within CPU 1's reach");
}

Test(cross_cpu_wake, a_wake_calls_nobody_when_no_cpu_sleeps, .init = fresh)
{
    struct task_id a = spawn("a", 9, 0);
    drain_queue(); // as if polled: pending, in no queue
    executor_wake(a);
    ASSERT_EQ(ipis[0] + ipis[1], 0);
}

Test(cross_cpu_wake, a_wake_never_calls_its_own_cpu, .init = fresh)
{
    struct task_id a = spawn("a", 9, 0);
    drain_queue(); // as if polled: pending, in no queue
    atomic_store(&ex.cpus[0].sleeping, true);
    executor_wake(a);
    ASSERT_EQ(ipis[0] + ipis[1], 0, "CPU 0 is awake: it is the one waking");
    atomic_store(&ex.cpus[0].sleeping, false);
}

// CPU 0 computes (its flag is clear) when the interrupt comes: only CPU 1,
// asleep, can take the task now.
Test(cross_cpu_wake, an_interrupt_on_a_busy_cpu_calls_the_sleeping_one, .init = fresh)
{
    irq_wakes = spawn("a", 9, 0);
    drain_queue();
    atomic_store(&ex.cpus[1].sleeping, true);
    simcpu_set_handler(2, waking_irq);
    simcpu_raise(2);
    ASSERT_EQ(ipis[1], 1);
    ASSERT_STR_EQ(drain_injector(), "a");
}

// CPU 1 announces itself, fences and looks, done by hand as sleep_if_idle
// does it, at every interrupt point of CPU 0's wake. Whatever the point,
// either CPU 1's look finds the task, or CPU 0 calls CPU 1: never both
// miss. (A wake that read the flags before its push, or without its fence
// on x86, would let CPU 1 sleep with the task queued.)
static bool cpu1_slept; // its look found nothing: it would halt now
static void cpu1_announces_and_looks(void)
{
    atomic_store(&ex.cpus[1].sleeping, true);
    atomic_thread_fence(memory_order_seq_cst);
    cpu1_slept = deque_is_empty(&ex.cpus[0].ready) && injector_is_empty(&ex.injector);
    if (!cpu1_slept)
        atomic_store(&ex.cpus[1].sleeping, false);
}

Test(cross_cpu_wake, a_sleeper_at_every_point_of_the_wake_is_found_or_called, .init = fresh)
{
    struct task_id a = spawn("a", 9, 0);
    drain_queue(); // as if polled: pending, in no queue
    uint64_t start = simcpu_points();
    executor_wake(a);
    uint64_t points = simcpu_points() - start;
    unsigned slept = 0;
    for (uint64_t k = 1; k <= points + 1; k++) {
        fresh();
        a = spawn("a", 9, 0);
        drain_queue();
        cpu1_slept = false;
        simcpu_other_cpu_at_point(1, cpu1_announces_and_looks, k);
        executor_wake(a);
        simcpu_other_cpu_at_point(1, NULL, 0);
        if (!cpu1_slept)
            continue;
        slept++;
        ASSERT_EQ(ipis[1], 1, "k=%llu: CPU 1 looked before the task was there, and was not called",
                  (unsigned long long)k);
    }
    cr_assert_gt(slept, 0, "CPU 1 never looked before the push");
    test_points("executor.wake_sleepers", false, points, slept, 0);
}

// endregion: traces_cross_cpu_wake

// Tasks woken during a round are pushed at its end, with one call for all.
Test(executor, a_round_calls_once_for_the_tasks_its_polls_woke, .init = fresh)
{
    spawn("a", 9, 1);
    spawn("b", 9, 1);
    spawn("c", 9, 1);
    atomic_store(&ex.cpus[1].sleeping, true);
    ASSERT_EQ(one_round(), 3);
    ASSERT_EQ(ipis[1], 1, "three wakes, one push at the round's end, one IPI");
}

// An interrupt handler that finds its own CPU's flag set has ended that
// CPU's hlt: that CPU takes the task itself, and nobody else is called.
Test(executor, an_interrupt_that_ended_its_own_cpus_sleep_calls_nobody, .init = fresh)
{
    irq_wakes = spawn("a", 9, 0);
    run();
    atomic_store(&ex.cpus[0].sleeping, true);
    atomic_store(&ex.cpus[1].sleeping, true);
    simcpu_set_handler(2, waking_irq);
    simcpu_raise(2);
    ASSERT_EQ(ipis[0] + ipis[1], 0);
    ASSERT_STR_EQ(drain_injector(), "a");
}

// ---- cancel ----

static struct task_id self_id;
static enum poll cancel_self_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    note("poll", "s");
    cr_assert(executor_cancel(&ex, self_id));
    return POLL_PENDING;
}

Test(executor, a_task_may_cancel_itself_and_ends_after_its_poll, .init = fresh)
{
    struct mem_stats before = mem_stats();
    struct future f;
    future_init(&f, cancel_self_poll);
    ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, &self_id), EXECUTOR_SPAWNED);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(executor_task_count(&ex), 1, "still there: its poll was under way");
    ASSERT_EQ(one_round(), 0, "ended, not polled");
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
    expect_trace("poll s");
    cr_assert(!executor_cancel(&ex, self_id), "gone");
}

Test(executor, a_cancel_ends_a_task_on_whichever_cpu_takes_it, .init = fresh)
{
    struct task_id a = spawn("a", 9, 0);
    run();
    cr_assert(executor_cancel(&ex, a));
    simcpu_set_cpu_index(1);
    ASSERT_EQ(one_round(), 0, "CPU 1 stole it and ended it without a poll");
    ASSERT_EQ(executor_task_count(&ex), 0);
    expect_trace("poll a");
}

// ---- a model of the rounds ----

// Random tasks that wake themselves a random number of times per poll and
// finish after a random number of polls; the trace must match a model of
// one CPU's rounds: each polls, newest first, what the last round left
// (in the order woken), with the enqueue-once rule.
Test(executor, rounds_match_a_model)
{
    for (int round = 0; round < 50; round++) {
        fresh();
        enum { N = 8 };
        static const char *const names[N] = {"a", "b", "c", "d", "e", "f", "g", "h"};
        int pending[N], self_wakes[N];
        bool done[N] = {0};
        int next[N], n_next = 0;
        char expected[sizeof trace] = "";
        for (int i = 0; i < N; i++) {
            pending[i] = (int)test_random_range(0, 4);
            self_wakes[i] = (int)test_random_range(0, 2);
            spawn(names[i], pending[i], self_wakes[i]);
            next[n_next++] = N - 1 - i; // spawned outside a round: popped newest first
        }
        while (n_next) {
            int now[N], n_now = n_next;
            memcpy(now, next, sizeof now);
            n_next = 0;
            for (int j = 0; j < n_now; j++) {
                int i = now[j];
                if (done[i])
                    continue;
                size_t len = strlen(expected);
                snprintf(expected + len, sizeof expected - len, "%spoll %s", len ? ", " : "",
                         names[i]);
                if (self_wakes[i])
                    next[n_next++] = i; // once, however many wakes
                if (pending[i]-- == 0)
                    done[i] = true;
            }
        }
        run();
        ASSERT_STR_EQ(trace, expected, "round %d", round);
    }
}

// ---- a wake from an interrupt at every interrupt point ----

#define IRQ 2
static struct task_id waiter;
static bool event;
static unsigned long waiter_polls_after_event;

static void device_irq(void)
{
    event = true;
    executor_wake(waiter);
}

static enum poll waiter_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    if (event) {
        event = false;
        waiter_polls_after_event++;
    }
    return POLL_PENDING;
}

// Spawn the waiter and t, then run until nothing is ready, with the
// interrupt raised at the k-th interrupt point of the run (none for k = 0).
// Returns the points the run walked.
static uint64_t scenario(uint64_t k)
{
    fresh();
    simcpu_set_handler(IRQ, device_irq);
    event = false;
    waiter_polls_after_event = 0;
    struct future w;
    future_init(&w, waiter_poll);
    ASSERT_EQ(executor_spawn(&ex, &w, sizeof w, NULL, &waiter), EXECUTOR_SPAWNED);
    spawn("t", 2, 1); // wakes itself from task context, twice
    if (k)
        simcpu_raise_at_point(IRQ, k);
    uint64_t start = simcpu_points();
    while (executor_run_ready_tasks(&ex))
        ;
    uint64_t walked = simcpu_points() - start;
    executor_run_ready_tasks(&ex); // the next round: a wake that landed at the last points
    return walked;
}

// region: every_point_test
Test(executor, a_wake_at_every_interrupt_point_is_polled_exactly_once)
{
    uint64_t points = scenario(0);
    ASSERT_EQ(polled[letter("t")], 3);
    for (uint64_t k = 1; k <= points; k++) {
        scenario(k);
        ASSERT_EQ(simcpu_delivered(IRQ), 1, "k=%llu: the interrupt landed", (unsigned long long)k);
        ASSERT_EQ(waiter_polls_after_event, 1,
                  "k=%llu: the woken task is polled exactly once after the wake",
                  (unsigned long long)k);
        ASSERT_EQ(polled[letter("t")], 3, "k=%llu: t is polled once per wake, no more",
                  (unsigned long long)k);
        cr_assert(injector_is_empty(&ex.injector) && deque_is_empty(&ex.cpus[0].ready),
                  "k=%llu: nothing left queued", (unsigned long long)k);
        ASSERT_EQ(injector_overflows(&ex.injector), 0, "k=%llu", (unsigned long long)k);
    }
    test_points("executor.run_ready_tasks+wake", false, points, points, 0);
}
// endregion: every_point_test

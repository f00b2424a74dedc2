// The waker executor, Embassy-style: each test records a trace ("poll a",
// "wake a", ...) and asserts it exactly. Exercises 4.1 (spawn into the
// table), 4.2 (the waker's wake: bit, then push), 4.3 (the run loop) and 4.4
// (completion and stale ids); then a model of fairness, the allocation
// counters, and a wake from an interrupt landing at every interrupt point.
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "executor.h"
#include "mem.h"
#include "simcpu.h"
#include "testing.h"

static void free_tasks(void);
TestSuite(executor_spawn, .fini = free_tasks, .timeout = 10);
TestSuite(executor_wake, .fini = free_tasks, .timeout = 10);
TestSuite(run_ready, .fini = free_tasks, .timeout = 10);
TestSuite(completion, .fini = free_tasks, .timeout = 10);
TestSuite(ready_queue, .timeout = 10);
TestSuite(executor, .fini = free_tasks,
          .timeout = 20); // models, counters, interrupt points: not graded

static char trace[4096];

static void note(const char *what, const char *name)
{
    size_t len = strlen(trace);
    snprintf(trace + len, sizeof trace - len, "%s%s %s", len ? ", " : "", what, name);
}

// A test task: each poll notes "poll NAME", wakes itself `self_wakes` times,
// keeps a clone of its waker (for the test to wake it later), and is
// pending `pending` times before it is ready.
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
    note("poll", self->name);
    polled[letter(self->name)]++;
    for (int i = 0; i < self->self_wakes; i++)
        waker_wake_by_ref(cx->waker);
    saved[letter(self->name)] = waker_clone(cx->waker);
    if (self->pending-- > 0)
        return POLL_PENDING;
    return POLL_READY;
}

static struct executor ex;                         // big: keep it off the stack
static const char *task_names[EXECUTOR_MAX_TASKS]; // by slot, for drain_queue

static struct task_id spawn(const char *name, int pending, int self_wakes)
{
    struct traced t = {.name = name, .pending = pending, .self_wakes = self_wakes};
    future_init(&t.base, traced_poll);
    struct task_id id;
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &t, NULL, &id), EXECUTOR_SPAWNED, "spawning %s", name);
    return id;
}

static void wake(const char *name)
{
    note("wake", name);
    waker_wake_by_ref(&saved[letter(name)]);
}

// One round of the run loop, or rounds until one finds nothing ready.
static unsigned long one_round(void) { return executor_run_ready_tasks(&ex); }
static void run(void) { executor_run_until_idle(&ex); }

static void expect_trace(const char *expected) { ASSERT_STR_EQ(trace, expected); }

// Tasks still pending at the end of a test are freed, so that the leak
// checker reports only real leaks.
static void free_tasks(void)
{
    for (unsigned i = 0; i < EXECUTOR_MAX_TASKS; i++)
        if (ex.slots[i].task) {
            task_free(ex.slots[i].task);
            ex.slots[i].task = NULL;
        }
}

static void fresh(void)
{
    free_tasks();
    simcpu_reset();
    executor_init(&ex);
    trace[0] = '\0';
    memset(polled, 0, sizeof polled);
    memset(task_names, 0, sizeof task_names);
}

// What the ready queue holds, popped as the executor would (without polling),
// as a string of task names: "a b".
static char queued_names[256];
static const char *drain_queue(void)
{
    queued_names[0] = '\0';
    uint8_t slot;
    while (ready_queue_pop(&ex.ready, &slot)) {
        ex.slots[slot].queued = false;
        size_t len = strlen(queued_names);
        snprintf(queued_names + len, sizeof queued_names - len, "%s%s", len ? " " : "",
                 task_names[slot] ? task_names[slot] : "?");
    }
    return queued_names;
}

static struct task_id spawn_named(const char *name, int pending, int self_wakes)
{
    struct task_id id = spawn(name, pending, self_wakes);
    task_names[id.slot] = name;
    return id;
}

// ---- 4.1: spawn into the table (nothing is polled here) ----

Test(executor_spawn, a_spawned_task_takes_a_slot_and_is_queued, .init = fresh)
{
    struct mem_stats before = mem_stats();
    struct task_id a = spawn_named("a", 0, 0);
    cr_assert_lt(a.slot, EXECUTOR_MAX_TASKS, "slot %u is outside the table", a.slot);
    cr_assert_not_null(ex.slots[a.slot].task, "slot %u holds no task", a.slot);
    ASSERT_EQ(a.generation, atomic_load(&ex.slots[a.slot].generation), "the id's generation");
    cr_assert(ex.slots[a.slot].queued, "a new task is queued: its bit is set");
    ASSERT_EQ(executor_task_count(&ex), 1);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + 1, "the task is on the heap");
    ASSERT_STR_EQ(drain_queue(), "a");
}

Test(executor_spawn, new_tasks_are_queued_in_the_order_spawned, .init = fresh)
{
    int n = (int)test_random_range(2, EXECUTOR_MAX_TASKS);
    static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    char expected[256] = "";
    for (int i = 0; i < n; i++) {
        spawn_named(names[i % 8], 1, 0);
        size_t len = strlen(expected);
        snprintf(expected + len, sizeof expected - len, "%s%s", i ? " " : "", names[i % 8]);
    }
    ASSERT_STR_EQ(drain_queue(), expected, "%d spawns", n);
}

Test(executor_spawn, live_tasks_have_distinct_slots, .init = fresh)
{
    bool used[EXECUTOR_MAX_TASKS] = {0};
    for (int i = 0; i < EXECUTOR_MAX_TASKS; i++) {
        struct task_id id = spawn("a", 1, 0);
        cr_assert_lt(id.slot, EXECUTOR_MAX_TASKS);
        cr_assert(!used[id.slot], "spawn %d reused live slot %u", i, id.slot);
        used[id.slot] = true;
    }
}

Test(executor_spawn, a_full_table_refuses_and_allocates_nothing, .init = fresh)
{
    for (int i = 0; i < EXECUTOR_MAX_TASKS; i++)
        spawn("a", 1, 0);
    struct mem_stats before = mem_stats();
    struct traced t = {.name = "z"};
    future_init(&t.base, traced_poll);
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &t, NULL, NULL), EXECUTOR_TABLE_FULL);
    ASSERT_EQ(mem_stats().total_allocations, before.total_allocations, "a refused spawn allocates");
    ASSERT_EQ(executor_task_count(&ex), EXECUTOR_MAX_TASKS);
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
    spawn_named("a", 0, 0);
    ASSERT_STR_EQ(drain_queue(), "a");
}

// ---- 4.2: the waker's wake (the queue is drained by hand, nothing polled) ----

Test(executor_wake, a_wake_queues_the_task, .init = fresh)
{
    struct task_id a = spawn_named("a", 1, 0);
    drain_queue();
    executor_wake(a);
    cr_assert(ex.slots[a.slot].queued, "the wake set the bit");
    ASSERT_STR_EQ(drain_queue(), "a");
}

Test(executor_wake, two_wakes_before_a_poll_queue_it_once, .init = fresh)
{
    struct task_id a = spawn_named("a", 1, 0), b = spawn_named("b", 1, 0);
    drain_queue();
    int n = (int)test_random_range(2, 10);
    for (int i = 0; i < n; i++)
        executor_wake(b);
    executor_wake(a);
    ASSERT_STR_EQ(drain_queue(), "b a", "%d wakes of b, then one of a", n);
    ASSERT_EQ(ready_queue_overflows(&ex.ready), 0);
}

Test(executor_wake, wakes_queue_in_the_order_woken, .init = fresh)
{
    struct task_id a = spawn_named("a", 1, 0), b = spawn_named("b", 1, 0),
                   c = spawn_named("c", 1, 0);
    drain_queue();
    struct waker wc = executor_waker(c), wa = executor_waker(a), wb = executor_waker(b);
    waker_wake_by_ref(&wc);
    waker_wake(&wa);
    waker_wake_by_ref(&wb);
    ASSERT_STR_EQ(drain_queue(), "c a b");
}

Test(executor_wake, a_stale_generation_is_ignored, .init = fresh)
{
    struct task_id a = spawn_named("a", 1, 0);
    drain_queue();
    struct task_id old = {a.slot, a.generation - 1};
    executor_wake(old);
    ASSERT_STR_EQ(drain_queue(), "", "a wake for an older task in the slot");
    cr_assert(!ex.slots[a.slot].queued, "a stale wake sets no bit");
    executor_wake(a);
    ASSERT_STR_EQ(drain_queue(), "a");
}

// An id is forged when its slot is outside the table (a waker's data word
// holds only 6 bits of slot, but executor_wake takes any struct task_id):
// the wake touches nothing, not even the bytes after the table. The bounds
// check is executor_wake's own, outside the stub, so no exercise grades it.
Test(forged_id, a_slot_outside_the_table_touches_nothing, .init = fresh)
{
    spawn_named("a", 1, 0);
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
    struct task_id a = spawn_named("a", 3, 0);
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

// ---- 4.3: the run loop (no task finishes here) ----

// region: traces_run_ready

Test(run_ready, polls_what_is_ready_and_returns_the_count, .init = fresh)
{
    spawn("a", 9, 0);
    spawn("b", 9, 0);
    ASSERT_EQ(one_round(), 2);
    ASSERT_EQ(one_round(), 0, "nothing was woken");
    wake("a");
    ASSERT_EQ(one_round(), 1);
    expect_trace("poll a, poll b, wake a, poll a");
}

Test(run_ready, a_pending_task_is_polled_only_when_woken, .init = fresh)
{
    spawn("a", 9, 0);
    run();
    run();
    wake("a");
    run();
    expect_trace("poll a, wake a, poll a");
}

Test(run_ready, a_wake_during_the_poll_polls_it_again_next_round, .init = fresh)
{
    spawn("a", 9, 1); // wakes itself in every poll
    spawn("b", 9, 0);
    ASSERT_EQ(one_round(), 2);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(one_round(), 1);
    expect_trace("poll a, poll b, poll a, poll a");
}

Test(run_ready, two_self_wakes_in_one_poll_queue_it_once, .init = fresh)
{
    spawn("a", 9, 2);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(one_round(), 1, "two wakes, one poll");
    ASSERT_EQ(ready_queue_length(&ex.ready), 1, "queued once more, not twice");
}

Test(run_ready, tasks_that_wake_themselves_take_turns, .init = fresh)
{
    spawn("a", 9, 1);
    spawn("b", 9, 1);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(one_round(), 2, "round %d", i + 1);
    expect_trace("poll a, poll b, poll a, poll b, poll a, poll b");
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

// ---- 4.4: completion and stale ids ----

// region: traces_completion

Test(completion, a_finished_task_is_freed_and_its_slot_reused, .init = fresh)
{
    struct mem_stats before = mem_stats();
    struct task_id a = spawn("a", 0, 0);
    run();
    expect_trace("poll a");
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_EQ(ex.free_count, EXECUTOR_MAX_TASKS, "its slot is free again");
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations, "the task was freed");
    struct task_id b = spawn("b", 0, 0);
    ASSERT_EQ(b.slot, a.slot, "the freed slot is reused");
    cr_assert_neq(b.generation, a.generation, "with a new generation");
}

Test(completion, a_wake_after_completion_is_ignored, .init = fresh)
{
    spawn("a", 0, 0);
    run();
    wake("a");
    ASSERT_EQ(ready_queue_length(&ex.ready), 0, "a stale wake queues nothing");
    run();
    expect_trace("poll a, wake a");
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

Test(completion, a_task_that_wakes_itself_as_it_finishes_is_not_polled_again, .init = fresh)
{
    spawn("a", 0, 1);
    ASSERT_EQ(one_round(), 1);
    ASSERT_EQ(ready_queue_length(&ex.ready), 1, "its last wake left its slot queued");
    ASSERT_EQ(one_round(), 0, "the queued slot has no task: skipped, not polled");
    expect_trace("poll a");
    spawn("b", 0, 0); // reuses the slot
    run();
    expect_trace("poll a, poll b");
}

// The slot of a task that woke itself as it finished is still queued when a
// new task takes it: the spawn must see the queued bit and not push the slot
// a second time, or the new task is polled twice in one round.
Test(completion, a_spawn_into_a_slot_still_queued_queues_it_once, .init = fresh)
{
    struct task_id a = spawn("a", 0, 1);
    ASSERT_EQ(one_round(), 1);
    struct task_id b = spawn("b", 1, 0);
    ASSERT_EQ(b.slot, a.slot, "b takes a's slot");
    ASSERT_EQ(ready_queue_length(&ex.ready), 1, "one entry stands for b");
    ASSERT_EQ(one_round(), 1, "b is polled once");
    expect_trace("poll a, poll b");
    ASSERT_EQ(ready_queue_length(&ex.ready), 0);
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
    ASSERT_EQ(ex.free_count, EXECUTOR_MAX_TASKS);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
    ASSERT_EQ(ready_queue_overflows(&ex.ready), 0);
}

Test(completion, run_until_idle_runs_rounds_until_one_polls_nothing, .init = fresh)
{
    spawn("a", 2, 1); // wakes itself in every poll, ready at its third
    spawn("b", 9, 0);
    ASSERT_EQ(executor_run_until_idle(&ex), 4, "three rounds: a and b, a, a");
    expect_trace("poll a, poll b, poll a, poll a");
    ASSERT_EQ(one_round(), 0, "nothing is left ready");
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
    cr_assert_null(ex.slots[dropping.slot].task, "the drop runs after the task left its slot");
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
    expect_trace("poll b, poll a, drop a, poll c, poll b");
    ASSERT_EQ(ex.free_count, EXECUTOR_MAX_TASKS, "every slot back, once");
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations, "every task freed once");
}

// The fault report's source: during a poll, executor_current names the task
// being polled, not the one polled before it.
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
    spawn("a", 5, 0); // polled first, and still waiting in slot 0
    spawn("b", 0, 0);
    spawn("c", 0, 0);
    run(); // slots 1 and 2 come and go, with new generations
    struct future f;
    future_init(&f, current_poll);
    struct task_id id;
    ASSERT_EQ(executor_spawn(&ex, &f, sizeof f, NULL, &id), EXECUTOR_SPAWNED);
    run();
    cr_assert(seen_polling);
    ASSERT_EQ(seen_current.slot, id.slot, "the slot of the task being polled");
    ASSERT_EQ(seen_current.generation, id.generation, "and its generation");
    struct task_id after;
    enum poll (*poll)(struct future *, struct context *);
    cr_assert(!executor_current(&ex, &after, &poll), "between polls, no task is current");
}

// ---- the ready queue alone ----

Test(ready_queue, holds_its_capacity_and_refuses_one_more)
{
    static struct ready_queue q;
    ready_queue_init(&q);
    for (unsigned wrap = 0; wrap < 3; wrap++) { // the indices wrap around the ring
        for (unsigned i = 0; i < READY_QUEUE_CAPACITY; i++)
            cr_assert(ready_queue_push(&q, (uint8_t)i), "push %u of %u", i + 1,
                      READY_QUEUE_CAPACITY);
        ASSERT_EQ(ready_queue_length(&q), READY_QUEUE_CAPACITY);
        cr_assert(!ready_queue_push(&q, 99), "a full queue refuses");
        ASSERT_EQ(ready_queue_overflows(&q), wrap + 1, "and counts the refusal");
        for (unsigned i = 0; i < READY_QUEUE_CAPACITY; i++) {
            uint8_t slot;
            cr_assert(ready_queue_pop(&q, &slot));
            ASSERT_EQ(slot, i,
                      "slots come out in the order pushed: the refused one did not "
                      "overwrite the oldest");
        }
        cr_assert(ready_queue_is_empty(&q));
    }
}

// ---- a model of fairness ----

// Random tasks that wake themselves a random number of times per poll and
// finish after a random number of polls, woken also from outside at random;
// the executor's trace must match a FIFO model of the ready queue with the
// enqueue-once rule.
Test(executor, fifo_order_matches_a_model)
{
    for (int round = 0; round < 50; round++) {
        fresh();
        enum { N = 8 };
        static const char *const names[N] = {"a", "b", "c", "d", "e", "f", "g", "h"};
        int pending[N], self_wakes[N];
        bool queued[N] = {0}, done[N] = {0};
        int model[N * 64], head = 0, tail = 0;
        char expected[sizeof trace] = "";
        for (int i = 0; i < N; i++) {
            pending[i] = (int)test_random_range(0, 4);
            self_wakes[i] = (int)test_random_range(0, 2);
            spawn(names[i], pending[i], self_wakes[i]);
            queued[i] = true;
            model[tail++] = i;
        }
        while (head < tail) {
            int i = model[head++];
            queued[i] = false;
            if (done[i])
                continue;
            size_t len = strlen(expected);
            snprintf(expected + len, sizeof expected - len, "%spoll %s", len ? ", " : "", names[i]);
            if (self_wakes[i] && !queued[i]) {
                queued[i] = true;
                model[tail++] = i;
            }
            if (pending[i]-- == 0)
                done[i] = true;
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

// The device: it sets the event and wakes the waiting task, as a keyboard
// byte would.
static void device_irq(void)
{
    event = true;
    executor_wake(waiter);
}

// Waits for the event, forever: each poll that sees it counts one and clears it.
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
    // executor_run's next round: a wake that landed after the last pop of
    // the round before (at its last points) is polled here.
    executor_run_ready_tasks(&ex);
    return walked;
}

// region: every_point_test
Test(executor, a_wake_at_every_interrupt_point_is_polled_exactly_once)
{
    uint64_t points = scenario(0);
    // The run loop's pops and bit clears, t's self-wakes (cli, the
    // generation, the bit, the push, sti): counted once, and pinned, so that
    // a change that adds a point must revisit this test.
    ASSERT_EQ(points, 77, "interrupt points walked by the run");
    ASSERT_EQ(polled[letter("t")], 3);
    for (uint64_t k = 1; k <= points; k++) {
        scenario(k);
        ASSERT_EQ(simcpu_delivered(IRQ), 1, "k=%llu: the interrupt landed", (unsigned long long)k);
        ASSERT_EQ(waiter_polls_after_event, 1,
                  "k=%llu: the woken task is polled exactly once after the wake",
                  (unsigned long long)k);
        ASSERT_EQ(polled[letter("t")], 3, "k=%llu: t is polled once per wake, no more",
                  (unsigned long long)k);
        cr_assert(ready_queue_is_empty(&ex.ready), "k=%llu: nothing left queued",
                  (unsigned long long)k);
        ASSERT_EQ(ready_queue_overflows(&ex.ready), 0, "k=%llu", (unsigned long long)k);
    }
    // Lost would be a waiter never polled after its wake: the asserts rule it out.
    test_points("executor.run_ready_tasks+wake", false, points, points, 0);
}
// endregion: every_point_test

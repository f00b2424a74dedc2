// Chapter 05 on the simulated CPU: sleep_if_idle never sleeps through a wake,
// wherever the interrupt lands, and its naive twin does at a point the test
// names (exercise 5.1); the timer interrupt wakes what is due (5.2) and the
// sleep future registers then checks (5.3), with an expiry at every point of
// a registration and a cancellation; the spawner (5.4); and a hog against a
// task sliced with yield_now, in a model of latency.
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "executor.h"
#include "hog.h"
#include "mem.h"
#include "simcpu.h"
#include "tally.h"
#include "testing.h"
#include "timer.h"

static void free_tasks(void);
TestSuite(sleep_if_idle, .fini = free_tasks, .timeout = 10);
TestSuite(sleep, .fini = free_tasks, .timeout = 10);
TestSuite(timer_expire, .fini = free_tasks, .timeout = 10);
TestSuite(spawner, .fini = free_tasks, .timeout = 10);
TestSuite(idle, .fini = free_tasks, .timeout = 20); // naive, cancel, hog: not graded

#define DEVICE 1 // the simulated interrupt line of the tests' device
#define TIMER  0

static struct executor ex;

static void free_tasks(void)
{
    for (unsigned i = 0; i < EXECUTOR_MAX_TASKS; i++)
        if (ex.slots[i].task) {
            task_free(ex.slots[i].task);
            ex.slots[i].task = NULL;
        }
}

// A task that is pending until `event` is set, and counts its polls.
static bool event;
static unsigned long waiter_polls;
static struct task_id waiter;

static enum poll waiter_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    waiter_polls++;
    return event ? POLL_READY : POLL_PENDING;
}

// The device's interrupt: the event happens, and the waiter is woken.
static void device_irq(void)
{
    event = true;
    executor_wake(waiter);
}

// A fresh executor with the waiter spawned and polled once: pending, nothing ready.
static void idle_executor(void)
{
    free_tasks();
    simcpu_reset();
    simcpu_set_handler(DEVICE, device_irq);
    executor_init(&ex);
    event = false;
    waiter_polls = 0;
    struct future w;
    future_init(&w, waiter_poll);
    ASSERT_EQ(executor_spawn(&ex, &w, sizeof w, NULL, &waiter), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex);
}

// When the CPU halts with nothing pending, the test's device interrupts.
static void device_interrupts_later(void) { simcpu_raise(DEVICE); }

// Instead of aborting, a lost wakeup returns to the test with its reason.
static jmp_buf lost;
static const char *lost_why;
static void on_lost_wakeup(const char *why)
{
    lost_why = why;
    longjmp(lost, 1);
}

// ---- 5.1: sleep_if_idle ----

Test(sleep_if_idle, with_a_task_ready_it_returns_without_halting)
{
    idle_executor();
    executor_wake(waiter);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 0, "halted with a task ready");
    cr_assert(cpu_interrupts_enabled(), "interrupts are enabled again");
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1);
}

Test(sleep_if_idle, with_nothing_ready_it_halts_until_an_interrupt)
{
    idle_executor();
    simcpu_set_halt_hook(device_interrupts_later);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 1);
    ASSERT_EQ(atomic_load(&ex.halts), 1, "the executor counts its halts");
    cr_assert(cpu_interrupts_enabled());
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1, "the interrupt's wake is in the queue");
    ASSERT_EQ(ex.lost_wakeups, 0);
}

// The heart of the chapter: the device's interrupt lands at each interrupt
// point of sleep_if_idle in turn, and nothing else will ever interrupt (no
// halt hook). A halt that sleeps through the wake is then a halt forever,
// which the simulated CPU reports; sleep_if_idle must never do it, and must
// never halt with interrupts disabled.
Test(sleep_if_idle, a_wake_at_every_interrupt_point_is_never_slept_through)
{
    idle_executor();
    simcpu_set_halt_hook(device_interrupts_later);
    uint64_t start = simcpu_points();
    executor_sleep_if_idle(&ex);
    uint64_t points = simcpu_points() - start;
    // cli, the queue's check (its own save/disable), the halt count, sti;hlt
    ASSERT_EQ(points, 5, "interrupt points in sleep_if_idle with nothing ready");
    simcpu_set_lost_wakeup_handler(on_lost_wakeup);
    for (uint64_t k = 1; k <= points; k++) {
        idle_executor();
        simcpu_set_lost_wakeup_handler(on_lost_wakeup);
        lost_why = NULL;
        simcpu_raise_at_point(DEVICE, k);
        if (!setjmp(lost))
            executor_sleep_if_idle(&ex);
        cr_assert_null(lost_why, "interrupt at point %llu of %llu: %s", (unsigned long long)k,
                       (unsigned long long)points, lost_why);
        ASSERT_EQ(simcpu_delivered(DEVICE), 1, "k=%llu", (unsigned long long)k);
        cr_assert(cpu_interrupts_enabled(), "k=%llu: returns with interrupts enabled",
                  (unsigned long long)k);
        ASSERT_EQ(executor_run_ready_tasks(&ex), 1, "k=%llu: the woken task runs next",
                  (unsigned long long)k);
        ASSERT_EQ(ex.lost_wakeups, 0, "k=%llu", (unsigned long long)k);
    }
    test_points("executor.sleep_if_idle", false, points, points, 0);
}

// ---- the naive version, shown failing ----

// if (empty) hlt(): with the interrupt landing after the check and before the
// hlt, the CPU halts with the waiter ready and nothing left to wake it.
Test(idle, the_naive_version_sleeps_through_a_wake_after_its_check)
{
    idle_executor();
    simcpu_set_halt_hook(device_interrupts_later);
    uint64_t start = simcpu_points();
    executor_sleep_if_idle_naive(&ex, 0);
    uint64_t points = simcpu_points() - start;
    ASSERT_EQ(points, 5, "the check (flag, cli, sti), then the halt count, then hlt");
    unsigned lost_at = 0, lost_count = 0;
    for (uint64_t k = 1; k <= points; k++) {
        idle_executor();
        simcpu_set_lost_wakeup_handler(on_lost_wakeup);
        lost_why = NULL;
        simcpu_raise_at_point(DEVICE, k);
        if (!setjmp(lost))
            executor_sleep_if_idle_naive(&ex, 0);
        if (lost_why) {
            lost_count++;
            if (!lost_at)
                lost_at = (unsigned)k;
        }
    }
    // Points 1-2 come before the check reads the queue: the wake is seen.
    // Point 3 is the check's own sti, after its read: from there on the wake
    // comes too late, and the hlt sleeps through it.
    ASSERT_EQ(lost_at, 3, "the first point where the naive version loses the wakeup");
    ASSERT_EQ(lost_count, points - 2, "it loses it at every point after the check");
    test_points("executor.sleep_if_idle", true, points, points, lost_count);
}

// ---- 5.2 and 5.3: timers ----

static uint64_t ticks;
static uint64_t now(void) { return ticks; }
static struct timer_list timers;
static void timer_irq(void) { timer_list_expire(&timers, ++ticks); }

static void fresh_timers(void)
{
    free_tasks();
    simcpu_reset();
    simcpu_set_handler(TIMER, timer_irq);
    ticks = (uint64_t)test_random_range(0, 1000);
    timer_list_init(&timers, now, 100);
}

Test(sleep, is_ready_after_its_ticks_and_polled_twice, .init = fresh_timers)
{
    struct waker w = tally_waker();
    struct context cx = {&w};
    uint64_t n = (uint64_t)test_random_range(1, 20);
    struct sleep s;
    sleep_ticks_init(&s, &timers, n);
    ASSERT_EQ(future_poll(&s.base, &cx), POLL_PENDING);
    ASSERT_EQ(timer_list_in_use(&timers), 1, "the sleep took an entry");
    for (uint64_t i = 1; i < n; i++)
        simcpu_raise(TIMER);
    ASSERT_EQ(tally_counts()->wakes + tally_counts()->wake_by_refs, 0, "woken %llu ticks early",
              (unsigned long long)(n - 1));
    simcpu_raise(TIMER);
    ASSERT_EQ(tally_counts()->wakes, 1, "woken at its deadline");
    ASSERT_EQ(future_poll(&s.base, &cx), POLL_READY);
    ASSERT_EQ(timer_list_in_use(&timers), 0, "and gave the entry back");
    ASSERT_EQ(tally_outstanding(), 0, "no clone of the waker kept");
}

Test(sleep, zero_ticks_is_ready_at_once_without_an_entry, .init = fresh_timers)
{
    struct waker w = tally_waker();
    struct context cx = {&w};
    struct sleep s;
    sleep_ticks_init(&s, &timers, 0);
    ASSERT_EQ(future_poll(&s.base, &cx), POLL_READY);
    ASSERT_EQ(timer_list_in_use(&timers), 0);
}

Test(idle, sleep_ms_rounds_up_to_whole_ticks, .init = fresh_timers)
{
    struct sleep s;
    uint64_t start = ticks;
    sleep_ms_init(&s, &timers, 15); // 1.5 ticks at 100 Hz
    ASSERT_EQ(s.deadline - start, 2);
    sleep_ms_init(&s, &timers, 1000);
    ASSERT_EQ(s.deadline - start, 100);
}

// The tick that reaches the deadline lands at each interrupt point of the
// sleep's first poll (taking the entry, registering, checking). Each time,
// either that poll is ready or the waker it registered is woken.
Test(sleep, an_expiry_at_every_point_of_registration_is_not_lost, .init = fresh_timers)
{
    struct waker w = tally_waker();
    struct context cx = {&w};
    struct sleep s;
    sleep_ticks_init(&s, &timers, 1);
    uint64_t start = simcpu_points();
    ASSERT_EQ(future_poll(&s.base, &cx), POLL_PENDING);
    uint64_t points = simcpu_points() - start;
    ASSERT_EQ(points, 3, "interrupt points of a sleep's first poll: arm, register (two)");
    sleep_cancel(&s);
    for (uint64_t k = 1; k <= points; k++) {
        fresh_timers();
        w = tally_waker();
        sleep_ticks_init(&s, &timers, 1);
        simcpu_raise_at_point(TIMER, k);
        enum poll result = future_poll(&s.base, &cx);
        ASSERT_EQ(simcpu_delivered(TIMER), 1, "k=%llu", (unsigned long long)k);
        const struct tally *t = tally_counts();
        cr_assert(result == POLL_READY || t->wakes + t->wake_by_refs > 0,
                  "k=%llu: the tick passed the deadline, yet the sleep is pending and unwoken",
                  (unsigned long long)k);
        if (result == POLL_PENDING)
            ASSERT_EQ(future_poll(&s.base, &cx), POLL_READY, "k=%llu: woken, then ready",
                      (unsigned long long)k);
        ASSERT_EQ(timer_list_in_use(&timers), 0, "k=%llu", (unsigned long long)k);
        ASSERT_EQ(tally_outstanding(), 0, "k=%llu: the entry's clone is gone",
                  (unsigned long long)k);
    }
    test_points("timer.register", false, points, points, 0); // each is ready or woken
}

// A tick at each interrupt point of a cancellation: the entry is freed, the
// registered waker dropped exactly once (or woken and consumed), nothing
// dangles, and a later tick touches nothing.
Test(sleep, an_expiry_at_every_point_of_cancellation_is_harmless, .init = fresh_timers)
{
    struct waker w = tally_waker();
    struct context cx = {&w};
    struct sleep s;
    sleep_ticks_init(&s, &timers, 1);
    ASSERT_EQ(future_poll(&s.base, &cx), POLL_PENDING);
    uint64_t start = simcpu_points();
    sleep_cancel(&s);
    uint64_t points = simcpu_points() - start;
    ASSERT_EQ(points, 3, "interrupt points of a cancellation: disarm, clear (two)");
    for (uint64_t k = 1; k <= points; k++) {
        fresh_timers();
        w = tally_waker();
        sleep_ticks_init(&s, &timers, 1);
        ASSERT_EQ(future_poll(&s.base, &cx), POLL_PENDING);
        simcpu_raise_at_point(TIMER, k);
        sleep_cancel(&s);
        ASSERT_EQ(timer_list_in_use(&timers), 0, "k=%llu", (unsigned long long)k);
        ASSERT_EQ(tally_outstanding(), 0, "k=%llu: the clone was dropped or woken, once",
                  (unsigned long long)k);
        simcpu_raise(TIMER);
        simcpu_raise(TIMER);
        ASSERT_EQ(tally_outstanding(), 0, "k=%llu", (unsigned long long)k);
    }
    test_points("timer.cancel", false, points, points, 0);
}

Test(sleep, a_full_timer_list_falls_back_to_polling_again, .init = fresh_timers)
{
    struct waker w = tally_waker();
    struct context cx = {&w};
    static struct sleep many[TIMER_ENTRIES + 1];
    for (int i = 0; i < TIMER_ENTRIES; i++) {
        sleep_ticks_init(&many[i], &timers, 5);
        ASSERT_EQ(future_poll(&many[i].base, &cx), POLL_PENDING);
    }
    struct sleep *last = &many[TIMER_ENTRIES];
    sleep_ticks_init(last, &timers, 5);
    unsigned long before = tally_counts()->wake_by_refs;
    ASSERT_EQ(future_poll(&last->base, &cx), POLL_PENDING);
    ASSERT_EQ(tally_counts()->wake_by_refs, before + 1, "no entry: it asks to be polled again");
    ASSERT_EQ(timers.full, 1);
    for (int i = 0; i < 5; i++)
        simcpu_raise(TIMER);
    ASSERT_EQ(future_poll(&last->base, &cx), POLL_READY, "slow, but on time");
    for (int i = 0; i < TIMER_ENTRIES; i++)
        sleep_cancel(&many[i]);
}

// Arm entry i by hand, as a sleep's first poll would (so that these tests
// of exercise 5.2 do not need 5.3): deadline, a registered waker, armed.
static void arm_by_hand(unsigned i, uint64_t deadline, const struct waker *w)
{
    struct timer_entry *e = &timers.entries[i];
    e->in_use = true;
    e->deadline = deadline;
    atomic_waker_init(&e->waker);
    atomic_waker_register(&e->waker, w);
    atomic_store(&e->armed, true);
}

static void disarm_by_hand(unsigned i)
{
    atomic_store(&timers.entries[i].armed, false);
    atomic_waker_clear(&timers.entries[i].waker);
    timers.entries[i].in_use = false;
}

Test(timer_expire, wakes_what_is_due_and_nothing_else, .init = fresh_timers)
{
    struct waker w = tally_waker();
    unsigned soon = (unsigned)test_random_range(0, TIMER_ENTRIES / 2 - 1);
    unsigned later = (unsigned)test_random_range(TIMER_ENTRIES / 2, TIMER_ENTRIES - 1);
    arm_by_hand(soon, ticks + 2, &w);
    arm_by_hand(later, ticks + 4, &w);
    timer_list_expire(&timers, ticks + 1);
    ASSERT_EQ(tally_counts()->wakes, 0, "nothing is due yet");
    timer_list_expire(&timers, ticks + 2);
    ASSERT_EQ(tally_counts()->wakes, 1, "the first is due at its deadline");
    cr_assert(!atomic_load(&timers.entries[soon].armed), "and disarmed");
    ASSERT_EQ(atomic_load(&timers.fired), 1);
    timer_list_expire(&timers, ticks + 3);
    ASSERT_EQ(tally_counts()->wakes, 1, "a fired entry is woken once");
    timer_list_expire(&timers, ticks + 10);
    ASSERT_EQ(tally_counts()->wakes, 2, "a late tick wakes what is overdue");
    ASSERT_EQ(atomic_load(&timers.fired), 2);
    disarm_by_hand(soon);
    disarm_by_hand(later);
    ASSERT_EQ(tally_outstanding(), 0);
}

Test(timer_expire, leaves_disarmed_entries_alone, .init = fresh_timers)
{
    struct waker w = tally_waker();
    arm_by_hand(3, ticks + 1, &w);
    disarm_by_hand(3);
    timers.entries[5].in_use = true; // taken, not armed yet
    timers.entries[5].deadline = 0;
    timer_list_expire(&timers, ticks + 100);
    ASSERT_EQ(atomic_load(&timers.fired), 0, "a disarmed entry fired");
    ASSERT_EQ(tally_counts()->wakes, 0);
}

Test(timer_expire, every_due_entry_in_one_tick, .init = fresh_timers)
{
    struct waker w = tally_waker();
    int n = (int)test_random_range(1, TIMER_ENTRIES);
    for (int i = 0; i < n; i++)
        arm_by_hand((unsigned)i, ticks + 1, &w);
    simcpu_raise(TIMER);
    ASSERT_EQ(tally_counts()->wakes, (unsigned long)n, "%d entries due at the same tick", n);
    for (int i = 0; i < n; i++)
        disarm_by_hand((unsigned)i);
}

Test(sleep, wakes_a_task_on_the_executor, .init = fresh_timers)
{
    executor_init(&ex);
    struct sleep s;
    sleep_ticks_init(&s, &timers, 3);
    struct task_id id;
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &s, NULL, &id), EXECUTOR_SPAWNED);
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(executor_run_ready_tasks(&ex), 0, "polled before it was woken");
        simcpu_raise(TIMER);
    }
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1, "the third tick woke it");
    ASSERT_EQ(executor_task_count(&ex), 0, "and it was done");
    ASSERT_EQ(timer_list_in_use(&timers), 0);
}

// ---- 5.4: the spawner ----

static char trace[1024];
static struct spawner sp;

static void note(const char *s)
{
    size_t len = strlen(trace);
    snprintf(trace + len, sizeof trace - len, "%s%s", len ? ", " : "", s);
}

struct child {
    struct future base;
    const char *name;
};

static enum poll child_poll(struct future *f, struct context *cx)
{
    (void)cx;
    note(CONTAINER_OF(f, struct child, base)->name);
    return POLL_READY;
}

// A parent that spawns `children` children in its first poll and records
// what each spawn said.
struct parent {
    struct future base;
    int children;
    enum spawner_result results[4];
};

static const char *const child_names[] = {"child 1", "child 2", "child 3", "child 4"};

static enum poll parent_poll(struct future *f, struct context *cx)
{
    (void)cx;
    struct parent *self = CONTAINER_OF(f, struct parent, base);
    note("parent");
    for (int i = 0; i < self->children; i++) {
        struct child c = {.name = child_names[i]};
        future_init(&c.base, child_poll);
        self->results[i] = spawner_spawn(&sp, &c.base, sizeof c, NULL, NULL);
    }
    return POLL_READY;
}

static struct parent *spawn_parent(int children)
{
    struct parent p = {.children = children};
    future_init(&p.base, parent_poll);
    struct task_id id;
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &p, NULL, &id), EXECUTOR_SPAWNED);
    return (struct parent *)task_future(ex.slots[id.slot].task);
}

static void fresh_spawner(void)
{
    free_tasks();
    simcpu_reset();
    executor_init(&ex);
    sp = executor_spawner(&ex);
    trace[0] = '\0';
}

Test(spawner, tasks_spawned_by_a_task_run_from_the_next_round, .init = fresh_spawner)
{
    spawn_parent(3);
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1, "the children wait for the next round");
    ASSERT_STR_EQ(trace, "parent");
    ASSERT_EQ(executor_run_ready_tasks(&ex), 3);
    ASSERT_STR_EQ(trace, "parent, child 1, child 2, child 3");
    ASSERT_EQ(sp.spawned, 3);
    ASSERT_EQ(executor_task_count(&ex), 0);
}

Test(spawner, a_full_table_is_a_result_the_task_sees, .init = fresh_spawner)
{
    for (int i = 0; i < EXECUTOR_MAX_TASKS - 2; i++) {
        struct child c = {.name = "filler"};
        future_init(&c.base, child_poll);
        ASSERT_EQ(EXECUTOR_SPAWN(&ex, &c, NULL, NULL), EXECUTOR_SPAWNED);
    }
    // The table now has room for the parent and one child: the parent's
    // slot stays taken during its poll.
    struct parent *p = spawn_parent(3);
    struct mem_stats before = mem_stats();
    struct waker w = waker_noop();
    struct context cx = {&w};
    // Poll the parent alone, as the executor would.
    ASSERT_EQ(future_poll(&p->base, &cx), POLL_READY);
    ASSERT_EQ(p->results[0], SPAWNER_SPAWNED);
    ASSERT_EQ(p->results[1], SPAWNER_TABLE_FULL, "the second child finds the table full");
    ASSERT_EQ(p->results[2], SPAWNER_TABLE_FULL);
    ASSERT_EQ(sp.spawned, 1);
    ASSERT_EQ(sp.refused, 2);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + 1,
              "refusals allocate nothing");
}

static enum spawner_result irq_result;
static void spawning_irq(void)
{
    struct child c = {.name = "from an interrupt"};
    future_init(&c.base, child_poll);
    irq_result = spawner_spawn(&sp, &c.base, sizeof c, NULL, NULL);
}

Test(spawner, an_interrupt_handler_is_refused_without_allocating, .init = fresh_spawner)
{
    simcpu_set_handler(DEVICE, spawning_irq);
    struct mem_stats before = mem_stats();
    simcpu_raise(DEVICE);
    ASSERT_EQ(irq_result, SPAWNER_IN_INTERRUPT);
    ASSERT_EQ(mem_stats().total_allocations, before.total_allocations);
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_EQ(sp.refused, 1);
}

Test(spawner, out_of_memory_is_a_result_too, .init = fresh_spawner)
{
    struct child c = {.name = "c"};
    future_init(&c.base, child_poll);
    mem_inject_failure(0);
    enum spawner_result r = spawner_spawn(&sp, &c.base, sizeof c, NULL, NULL);
    mem_inject_failure(-1);
    ASSERT_EQ(r, SPAWNER_NO_MEMORY);
    ASSERT_EQ(sp.refused, 1);
    ASSERT_EQ(executor_task_count(&ex), 0);
}

// ---- cancel ----

Test(idle, cancelling_a_sleeping_task_gives_its_timer_back, .init = fresh_timers)
{
    executor_init(&ex);
    struct sleep s;
    sleep_ticks_init(&s, &timers, 50);
    struct task_id id;
    ASSERT_EQ(executor_spawn(&ex, &s.base, sizeof s, (void (*)(struct future *))sleep_cancel, &id),
              EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex);
    ASSERT_EQ(timer_list_in_use(&timers), 1);
    cr_assert(executor_cancel(&ex, id));
    ASSERT_EQ(timer_list_in_use(&timers), 0, "the drop gave the entry back");
    ASSERT_EQ(executor_task_count(&ex), 0);
    cr_assert(!executor_cancel(&ex, id), "a second cancel finds it gone");
    for (int i = 0; i < 60; i++)
        simcpu_raise(TIMER);
    ASSERT_EQ(atomic_load(&timers.fired), 0);
    ASSERT_EQ(executor_run_ready_tasks(&ex), 0);
}

// ---- a hog, and the same work in slices ----

// The clock is one unit per reading; when it reaches `key_at`, a key's
// interrupt wakes the waiter. The waiter's latency is the clock's advance
// from that wake to its poll.
static uint64_t clock_units, key_at, woken_at, polled_at;
static uint64_t hog_clock(void)
{
    if (++clock_units == key_at) {
        woken_at = clock_units;
        simcpu_raise(DEVICE);
    }
    return clock_units;
}

static enum poll key_waiter_poll(struct future *f, struct context *cx)
{
    (void)f;
    (void)cx;
    if (!event)
        return POLL_PENDING;
    polled_at = clock_units;
    return POLL_READY;
}

static uint64_t latency_behind(uint64_t slice)
{
    free_tasks();
    simcpu_reset();
    simcpu_set_handler(DEVICE, device_irq);
    executor_init(&ex);
    event = false;
    clock_units = 0;
    key_at = 1000;
    struct future w;
    future_init(&w, key_waiter_poll);
    ASSERT_EQ(executor_spawn(&ex, &w, sizeof w, NULL, &waiter), EXECUTOR_SPAWNED);
    struct hog h;
    hog_init(&h, hog_clock, 20000, slice);
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &h, NULL, NULL), EXECUTOR_SPAWNED);
    while (executor_run_ready_tasks(&ex))
        ;
    cr_assert(event, "the key came");
    return polled_at - woken_at;
}

Test(idle, a_hog_delays_a_woken_task_by_its_whole_work_and_slices_do_not)
{
    uint64_t whole = latency_behind(0);
    uint64_t sliced = latency_behind(100);
    fprintf(stderr, "latency behind a hog: %llu clock units at once, %llu in slices of 100\n",
            (unsigned long long)whole, (unsigned long long)sliced);
    cr_assert_geq(whole, 18000, "the hog's one poll holds the CPU for what is left of its work");
    cr_assert_leq(sliced, 2 * 100 + 50, "a slice and a round at most");
}

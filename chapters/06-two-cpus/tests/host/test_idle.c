// Chapter 06 on the simulated CPU, which plays CPU 1 going to sleep while
// CPU 0's code steps in between two of its accesses: sleep_if_idle never
// sleeps through a push by the other CPU, wherever it lands, nor through an
// interrupt of its own (exercise 6.3), and its naive twins do, at the points
// the tests name; a wake that leaves a halted CPU uncalled is counted as a
// lost wakeup. Then chapter 05's timers (5.2, 5.3), now safe on two CPUs,
// the spawner (5.4), cancel, and a hog against a task sliced with yield_now.
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
#include "trace.h"

static void free_tasks(void);
TestSuite(sleep_if_idle, .fini = free_tasks, .timeout = 10);
TestSuite(sleep, .fini = free_tasks, .timeout = 10);
TestSuite(timer_expire, .fini = free_tasks, .timeout = 10);
TestSuite(spawner, .fini = free_tasks, .timeout = 10);
TestSuite(idle, .fini = free_tasks, .timeout = 20); // naive twins, cancel, hog: not graded

#define DEVICE 1 // the simulated interrupt line of the tests' device
#define TIMER  0
#define IPI    3

static struct executor ex;

static void free_tasks(void)
{
    for (unsigned i = 0; i < EXECUTOR_MAX_TASKS; i++)
        if (atomic_load(&ex.slots[i].task)) {
            task_free(atomic_load(&ex.slots[i].task));
            atomic_store(&ex.slots[i].task, NULL);
        }
}

static struct task *task_of(struct task_id id) { return atomic_load(&ex.slots[id.slot].task); }

// ---- 6.3: sleep_if_idle on two CPUs ----

// The simulated CPU is the one going to sleep, CPU 1. An IPI to it raises
// its IPI line; its handler only counts, as the kernel's does.
static unsigned ipis_to[CPUS_MAX], ipis_taken;
static void ipi_handler(void) { ipis_taken++; }
static void send_ipi(unsigned cpu)
{
    ipis_to[cpu]++;
    if (cpu == 1)
        simcpu_raise(IPI);
}

// Nothing queued anywhere; the simulated CPU is CPU 1, about to go idle.
static void idle_cpu1(void)
{
    free_tasks();
    simcpu_reset();
    simcpu_set_handler(IPI, ipi_handler);
    executor_init(&ex, 2, send_ipi);
    memset(ipis_to, 0, sizeof ipis_to);
    ipis_taken = 0;
    simcpu_set_cpu_index(1);
}

// When CPU 1 halts with nothing pending, a device interrupts it later.
static void device_interrupts_later(void) { simcpu_raise(DEVICE); }
static bool flag_up_while_halted;
static void note_flag_then_interrupt(void)
{
    flag_up_while_halted = atomic_load(&ex.cpus[1].sleeping);
    simcpu_raise(DEVICE);
}

// Instead of aborting, a lost wakeup returns to the test with its reason.
static jmp_buf lost;
static const char *lost_why;
static void on_lost_wakeup(const char *why)
{
    lost_why = why;
    longjmp(lost, 1);
}

#define SOME_SLOT 7 // what the queues hold here: a slot number, no task needed

Test(sleep_if_idle, with_nothing_queued_it_halts_until_an_interrupt_with_its_flag_up)
{
    idle_cpu1();
    simcpu_set_halt_hook(note_flag_then_interrupt);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 1);
    cr_assert(flag_up_while_halted, "CPU 1 halted without announcing it: nobody would call it");
    cr_assert(!atomic_load(&ex.cpus[1].sleeping), "awake again: the flag is down");
    cr_assert(cpu_interrupts_enabled(), "interrupts are enabled again");
    ASSERT_EQ(trace_cpu_counts(1).halts, 1, "the trace layer saw the halt");
}

Test(sleep_if_idle, with_its_own_task_queued_it_returns_without_halting)
{
    idle_cpu1();
    deque_push(&ex.cpus[1].ready, SOME_SLOT);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 0, "halted with a task of its own ready");
    cr_assert(cpu_interrupts_enabled(), "interrupts are enabled again");
    cr_assert(!atomic_load(&ex.cpus[1].sleeping), "not asleep: the flag is down");
}

Test(sleep_if_idle, with_a_task_in_the_injector_it_returns_without_halting)
{
    idle_cpu1();
    injector_push(&ex.injector, SOME_SLOT);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 0, "halted with a task an interrupt handler woke");
    cr_assert(cpu_interrupts_enabled());
    cr_assert(!atomic_load(&ex.cpus[1].sleeping));
}

Test(sleep_if_idle, with_a_task_on_the_other_cpus_deque_it_returns_to_steal_it)
{
    idle_cpu1();
    deque_push(&ex.cpus[0].ready, SOME_SLOT);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 0, "halted with a task to steal");
    cr_assert(cpu_interrupts_enabled());
    cr_assert(!atomic_load(&ex.cpus[1].sleeping));
}

Test(sleep_if_idle, with_stealing_off_the_other_cpus_task_is_not_its_to_take)
{
    idle_cpu1();
    executor_set_stealing(&ex, false);
    deque_push(&ex.cpus[0].ready, SOME_SLOT);
    simcpu_set_halt_hook(device_interrupts_later);
    executor_sleep_if_idle(&ex);
    ASSERT_EQ(simcpu_halts(), 1, "nothing it may take: it sleeps");
}

// The other CPU's waker, done by hand as executor.c's does it (so that these
// tests do not need exercise 6.4): push, fence, read the flag, call.
static void cpu0_pushes_and_calls(void)
{
    deque_push(&ex.cpus[0].ready, SOME_SLOT);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&ex.cpus[1].sleeping, memory_order_relaxed))
        ex.wake_cpu(1);
}
// Its naive twins: a push that calls nobody, and a call without its fence.
static void cpu0_pushes(void) { deque_push(&ex.cpus[0].ready, SOME_SLOT); }
static void cpu0_pushes_and_calls_without_a_fence(void)
{
    deque_push(&ex.cpus[0].ready, SOME_SLOT);
    if (atomic_load_explicit(&ex.cpus[1].sleeping, memory_order_relaxed))
        ex.wake_cpu(1);
}

// CPU 0's step lands at the k-th interrupt point of CPU 1's sleep, or, if
// the sleep has no k-th point before its hlt, while CPU 1 is halted (the
// halt's hook). A halt with nothing pending once the step has run is a halt
// forever: the simulated CPU reports it, and this returns why; NULL if no
// wakeup was lost.
static void (*cpu0_step)(void);
static bool stepped;
static void step(void)
{
    stepped = true;
    cpu0_step();
}
static void step_while_halted(void)
{
    if (stepped)
        return; // it came before the hlt: nothing more will
    simcpu_other_cpu_at_point(0, NULL, 0);
    simcpu_set_cpu_index(0);
    step();
    simcpu_set_cpu_index(1);
}

static const char *sleep_with_a_push_at(void (*sleep)(struct executor *), void (*waker)(void),
                                        uint64_t k)
{
    enum executor_idle idle = ex.idle;
    idle_cpu1();
    executor_set_idle(&ex, idle);
    simcpu_set_lost_wakeup_handler(on_lost_wakeup);
    simcpu_set_halt_hook(step_while_halted);
    cpu0_step = waker;
    stepped = false;
    lost_why = NULL;
    if (k)
        simcpu_other_cpu_at_point(0, step, k);
    if (!setjmp(lost))
        sleep(&ex);
    simcpu_other_cpu_at_point(0, NULL, 0);
    if (lost_why)
        return "CPU 1 halted with CPU 0's task queued, and nobody called it";
    if (!cpu_interrupts_enabled())
        return "sleep_if_idle returned with interrupts disabled";
    if (atomic_load(&ex.cpus[1].sleeping))
        return "sleep_if_idle returned with its flag still up";
    return NULL;
}

static void sleep_race_free(struct executor *e) { executor_sleep_if_idle(e); }
static void sleep_naive(struct executor *e) { executor_sleep_if_idle_naive(e); }

// The points of one sleep, ended by a device's interrupt: its announce, its
// look, the hlt, and what follows it.
static uint64_t points_of_a_sleep(void (*sleep)(struct executor *))
{
    enum executor_idle idle = ex.idle;
    idle_cpu1();
    executor_set_idle(&ex, idle);
    simcpu_set_halt_hook(device_interrupts_later);
    uint64_t start = simcpu_points();
    sleep(&ex);
    return simcpu_points() - start;
}

// The heart of the chapter: CPU 0 queues a task and calls CPU 1 at each
// interrupt point of CPU 1's sleep_if_idle in turn, and while it is halted.
// Wherever it lands, CPU 1 either sees the task and does not sleep, or is
// called, and the IPI ends its halt.
Test(sleep_if_idle, a_push_by_the_other_cpu_at_every_point_is_never_slept_through)
{
    idle_cpu1();
    uint64_t points = points_of_a_sleep(sleep_race_free);
    cr_assert_geq(points, 4, "sleep_if_idle must announce itself, look, then halt");
    for (uint64_t k = 1; k <= points + 1; k++) { // points + 1: while it is halted
        const char *wrong = sleep_with_a_push_at(sleep_race_free, cpu0_pushes_and_calls, k);
        cr_assert_null(wrong, "CPU 0's push at point %llu of %llu: %s", (unsigned long long)k,
                       (unsigned long long)points, wrong);
        cr_assert(stepped, "k=%llu: CPU 0 never stepped in", (unsigned long long)k);
    }
    test_points("executor.sleep_if_idle", false, points, points + 1, 0);
}

// Chapter 05's half still holds: an interrupt of CPU 1's own that queues a
// task (in the injector, as its handler would) is never slept through.
static bool device_came;
static void device_queues(void)
{
    device_came = true;
    injector_push(&ex.injector, SOME_SLOT);
}
static void device_unless_it_came(void)
{
    if (!device_came)
        simcpu_raise(DEVICE);
}

Test(sleep_if_idle, an_interrupt_of_its_own_at_every_point_is_never_slept_through)
{
    idle_cpu1();
    simcpu_set_handler(DEVICE, device_queues);
    simcpu_set_halt_hook(device_unless_it_came);
    device_came = false;
    uint64_t start = simcpu_points();
    executor_sleep_if_idle(&ex);
    uint64_t points = simcpu_points() - start;
    for (uint64_t k = 1; k <= points; k++) {
        idle_cpu1();
        simcpu_set_handler(DEVICE, device_queues);
        simcpu_set_halt_hook(device_unless_it_came);
        simcpu_set_lost_wakeup_handler(on_lost_wakeup);
        device_came = false;
        lost_why = NULL;
        simcpu_raise_at_point(DEVICE, k);
        if (!setjmp(lost))
            executor_sleep_if_idle(&ex);
        simcpu_raise_at_point(DEVICE, 0);
        cr_assert_null(lost_why, "the interrupt at point %llu: CPU 1 halted with the task it "
                       "queued ready", (unsigned long long)k);
        cr_assert(cpu_interrupts_enabled(), "k=%llu", (unsigned long long)k);
    }
    test_points("executor.sleep_if_idle+irq", false, points, points, 0);
}

// ---- the naive twins, shown failing ----

// The points, from 1, at which CPU 0's push makes `sleep` lose the wakeup;
// returns how many, with the first in *first.
static unsigned losses(enum executor_idle idle, void (*waker)(void), uint64_t *points,
                       uint64_t *first)
{
    idle_cpu1();
    executor_set_idle(&ex, idle);
    *points = points_of_a_sleep(sleep_naive);
    unsigned n = 0;
    *first = 0;
    for (uint64_t k = 1; k <= *points + 1; k++) {
        executor_set_idle(&ex, idle);
        if (sleep_with_a_push_at(sleep_naive, waker, k)) {
            n++;
            if (!*first)
                *first = k;
        }
    }
    return n;
}

// Chapter 05's cli; look; sti; hlt: the look is right when it is made, but
// cli masks only this CPU, and nobody knows it sleeps. A push after the
// look (or during the halt) waits for CPU 1's next timer tick.
Test(idle, the_noflag_twin_sleeps_through_a_push_after_its_look)
{
    uint64_t points, first;
    unsigned lost_count = losses(EXECUTOR_IDLE_NOFLAG, cpu0_pushes_and_calls, &points, &first);
    // Points 1-8: cli, the looks at CPU 1's deque (2), the injector (2),
    // stealing (1) and CPU 0's deque (top, then bottom): a push before the
    // read of CPU 0's bottom is seen, one after it is not.
    cr_assert_gt(lost_count, 0, "the naive twin lost nothing");
    ASSERT_EQ(first, 9, "the first point where it loses: after its look at CPU 0's deque");
    ASSERT_EQ(lost_count, points + 1 - 8, "and every point after, and during the halt");
    test_points("executor.sleep_if_idle", true, points, points + 1, lost_count);
}

// The sleeper announces itself and fences, but its waker never calls.
Test(idle, the_noipi_twin_sleeps_through_a_push_after_its_look)
{
    uint64_t points, first;
    unsigned lost_count = losses(EXECUTOR_IDLE_NOIPI, cpu0_pushes, &points, &first);
    cr_assert_gt(lost_count, 0, "the naive twin lost nothing");
    test_points("executor.sleep_if_idle", true, points, points + 1, lost_count);
}

// Without fences, x86 lets each side's read overtake its own store. The
// simulated CPU runs one side's accesses between two of the other's, in
// order: memory is sequentially consistent here, and nothing is lost. The
// store buffer that breaks it is modelled in test_dekker.c.
Test(idle, the_nofence_twin_loses_nothing_where_memory_is_sequentially_consistent)
{
    uint64_t points, first;
    unsigned lost_count =
        losses(EXECUTOR_IDLE_NOFENCE, cpu0_pushes_and_calls_without_a_fence, &points, &first);
    ASSERT_EQ(lost_count, 0);
}

// The trace layer counts a lost wakeup where the waker leaves it: an
// interrupt handler on CPU 0, busy computing, queues a task while CPU 1 is
// halted, and calls nobody. The real protocol calls CPU 1: not lost.
static struct task_id waiter;
static void device_wakes_waiter(void) { executor_wake(waiter); }
static enum poll pending_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    return POLL_PENDING;
}

static unsigned long lost_when_cpu1_halted(enum executor_idle idle)
{
    idle_cpu1();
    executor_set_idle(&ex, idle);
    simcpu_set_cpu_index(0);
    struct future w;
    future_init(&w, pending_poll);
    ASSERT_EQ(executor_spawn(&ex, &w, sizeof w, NULL, &waiter), EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex);
    simcpu_set_cpu_index(1); // CPU 1 has looked, found nothing and is halting:
    if (idle != EXECUTOR_IDLE_NOFLAG)
        atomic_store(&ex.cpus[1].sleeping, true);
    trace_idle_begin(&ex); // what its sleep tells the trace layer just before hlt
    simcpu_set_cpu_index(0);
    unsigned long before = trace_cpu_counts(1).lost_wakeups;
    simcpu_set_handler(DEVICE, device_wakes_waiter);
    simcpu_raise(DEVICE); // on CPU 0, which is not in its hlt: busy
    unsigned long n = trace_cpu_counts(1).lost_wakeups - before;
    simcpu_set_cpu_index(1);
    trace_idle_end(&ex);
    atomic_store(&ex.cpus[1].sleeping, false);
    return n;
}

Test(idle, a_wake_that_leaves_a_halted_cpu_uncalled_is_counted_as_lost)
{
    uint64_t before = trace_idle_counts().lost_max_tsc;
    ASSERT_EQ(lost_when_cpu1_halted(EXECUTOR_IDLE_NOFLAG), 1, "nobody knew CPU 1 slept");
    cr_assert_gt(trace_idle_counts().lost_max_tsc, before, "how long it slept through it");
    uint64_t latencies[4];
    ASSERT_EQ(trace_lost_latencies(latencies, 4), 1);
    ASSERT_EQ(lost_when_cpu1_halted(EXECUTOR_IDLE_NOIPI), 1, "nobody called CPU 1");
    ASSERT_EQ(lost_when_cpu1_halted(EXECUTOR_IDLE_RACE_FREE), 0, "called: not lost");
    ASSERT_EQ(ipis_to[1], 1);
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
    // Begun inside a tick, n whole periods have passed only at the (n+1)th.
    for (uint64_t i = 1; i <= n; i++)
        simcpu_raise(TIMER);
    ASSERT_EQ(tally_counts()->wakes + tally_counts()->wake_by_refs, 0,
              "woken at tick %llu: less than %llu whole ticks after it began", (unsigned long long)n,
              (unsigned long long)n);
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
    sleep_ms_init(&s, &timers, 15); // 1.5 ticks at 100 Hz: 2, and the tick it began in
    ASSERT_EQ(s.deadline - start, 3);
    sleep_ms_init(&s, &timers, 1000);
    ASSERT_EQ(s.deadline - start, 101);
}

// A clock finer than the ticks: 10 units a tick, and the timer interrupt at
// each tick boundary. A sleep of n ticks begun at any unit of a tick lasts at
// least n whole ticks (never early) and at most n + 1.
static uint64_t units;
static uint64_t units_now(void) { return units / 10; }
static void unit_tick_irq(void) { timer_list_expire(&timers, units / 10); }

Test(sleep, never_ends_early_wherever_in_a_tick_it_begins, .init = fresh_timers)
{
    simcpu_set_handler(TIMER, unit_tick_irq);
    timer_list_init(&timers, units_now, 100);
    struct waker w = tally_waker();
    struct context cx = {&w};
    for (uint64_t n = 1; n <= 4; n++)
        for (uint64_t offset = 0; offset < 10; offset++) {
            units = 1000 + offset;
            uint64_t start = units;
            struct sleep s;
            sleep_ticks_init(&s, &timers, n);
            enum poll result = future_poll(&s.base, &cx);
            while (result == POLL_PENDING) {
                unsigned long wakes = tally_counts()->wakes;
                if (++units % 10 == 0)
                    simcpu_raise(TIMER);
                if (tally_counts()->wakes != wakes)
                    result = future_poll(&s.base, &cx);
                cr_assert_lt(units - start, 100, "n=%llu: never ready", (unsigned long long)n);
            }
            cr_assert_geq(units - start, n * 10,
                          "sleep_ticks(%llu) begun %llu/10 into a tick ended after %llu/10 ticks: "
                          "early", (unsigned long long)n, (unsigned long long)offset,
                          (unsigned long long)(units - start));
            cr_assert_leq(units - start, (n + 1) * 10, "n=%llu, offset %llu: more than a tick late",
                          (unsigned long long)n, (unsigned long long)offset);
        }
    ASSERT_EQ(timer_list_in_use(&timers), 0);
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
    ASSERT_EQ(points, 9, "interrupt points of a sleep's first poll: take (3), arm (2), register (4)");
    sleep_cancel(&s);
    for (uint64_t k = 1; k <= points; k++) {
        fresh_timers();
        w = tally_waker();
        sleep_ticks_init(&s, &timers, 1);
        ticks++; // the clock moved on unnoticed: the next tick is the deadline
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

// A tick that does not reach the deadline, at each interrupt point of the
// sleep's first poll: it must neither wake the sleep (early) nor spoil its
// entry (an entry armed before its deadline is written would fire at once,
// disarmed, and its real deadline would pass unnoticed). The ticks after it
// must wake the sleep at its deadline, exactly once.
Test(sleep, an_early_tick_at_every_point_of_registration_is_harmless, .init = fresh_timers)
{
    struct waker w = tally_waker();
    struct context cx = {&w};
    for (uint64_t k = 1; k <= 9; k++) {
        fresh_timers();
        w = tally_waker();
        struct sleep s;
        sleep_ticks_init(&s, &timers, 3); // the deadline: 4 ticks from now
        simcpu_raise_at_point(TIMER, k);
        ASSERT_EQ(future_poll(&s.base, &cx), POLL_PENDING, "k=%llu", (unsigned long long)k);
        ASSERT_EQ(simcpu_delivered(TIMER), 1, "k=%llu: the tick landed", (unsigned long long)k);
        ASSERT_EQ(tally_counts()->wakes + tally_counts()->wake_by_refs, 0,
                  "k=%llu: a tick 3 ticks early woke the sleep", (unsigned long long)k);
        simcpu_raise(TIMER);
        simcpu_raise(TIMER);
        ASSERT_EQ(tally_counts()->wakes, 0, "k=%llu: woken a tick early", (unsigned long long)k);
        simcpu_raise(TIMER); // the 4th: the deadline
        ASSERT_EQ(tally_counts()->wakes, 1, "k=%llu: the deadline passed and the sleep was not "
                  "woken: its entry fired at the early tick", (unsigned long long)k);
        ASSERT_EQ(future_poll(&s.base, &cx), POLL_READY, "k=%llu", (unsigned long long)k);
        ASSERT_EQ(tally_outstanding(), 0, "k=%llu", (unsigned long long)k);
    }
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
    ASSERT_EQ(points, 8, "interrupt points of a cancellation: disarm (2), clear (4), free (2)");
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
    for (int i = 0; i < 6; i++)
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
    atomic_store(&e->in_use, true);
    e->deadline = deadline;
    atomic_waker_init(&e->waker);
    atomic_waker_register(&e->waker, w);
    atomic_store(&e->armed, TIMER_ARMED);
}

static void disarm_by_hand(unsigned i)
{
    atomic_store(&timers.entries[i].armed, TIMER_DISARMED);
    atomic_waker_clear(&timers.entries[i].waker);
    atomic_store(&timers.entries[i].in_use, false);
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
    timer_list_expire(&timers, ticks + 3);
    ASSERT_EQ(tally_counts()->wakes, 1, "a fired entry is woken once");
    timer_list_expire(&timers, ticks + 10);
    ASSERT_EQ(tally_counts()->wakes, 2, "a late tick wakes what is overdue");
    cr_assert(!atomic_load(&timers.entries[later].armed));
    disarm_by_hand(soon);
    disarm_by_hand(later);
    ASSERT_EQ(tally_outstanding(), 0);
}

Test(timer_expire, leaves_disarmed_entries_alone, .init = fresh_timers)
{
    struct waker w = tally_waker();
    arm_by_hand(3, ticks + 1, &w);
    disarm_by_hand(3);
    atomic_store(&timers.entries[5].in_use, true); // taken, not armed yet
    timers.entries[5].deadline = 0;
    timer_list_expire(&timers, ticks + 100);
    ASSERT_EQ(tally_counts()->wakes, 0, "a disarmed or unarmed entry fired");
    ASSERT_EQ(tally_outstanding(), 0);
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

// Two CPUs: the timer's handler passes over the entries on CPU 0 while a
// sleep on CPU 1, woken by an earlier tick, gives its entry back and a new
// sleep takes that entry again, at every interrupt point of the handler's
// pass. Where the handler is firing the entry, the give-back waits for it to
// let go (on real CPUs a few instructions; here, where CPU 1 cannot wait
// for a step that has not happened yet, CPU 1 comes at a later point). The
// new sleep must still wake at its own deadline: a handler that went on
// with an entry given back under it would wake the new sleep's waker early
// and disarm its entry, and the new deadline would pass unnoticed.
static struct sleep old_sleep, new_sleep;
static struct waker old_waker, new_waker;
static bool new_taken;
static void cpu1_gives_back_and_takes_again(void)
{
    if (atomic_load(&old_sleep.entry->armed) == TIMER_FIRING)
        return; // it would wait here: it comes at a later point instead
    struct context cx = {&old_waker};
    cr_assert_eq(future_poll(&old_sleep.base, &cx), POLL_READY, "the clock is at its deadline");
    cx.waker = &new_waker;
    sleep_ticks_init(&new_sleep, &timers, 5);
    cr_assert_eq(future_poll(&new_sleep.base, &cx), POLL_PENDING);
    new_taken = true;
}

Test(idle, a_sleep_given_back_on_cpu1_during_a_pass_on_cpu0_is_not_disturbed, .init = fresh_timers)
{
    struct context cx;
    uint64_t points = 0;
    for (uint64_t k = 1; k == 1 || k <= points; k++) {
        fresh_timers();
        old_waker = waker_noop();
        new_waker = tally_waker();
        cx.waker = &old_waker;
        sleep_ticks_init(&old_sleep, &timers, 1);
        cr_assert_eq(future_poll(&old_sleep.base, &cx), POLL_PENDING);
        ticks++; // the clock moved on unnoticed: the next tick's pass is its deadline
        new_taken = false;
        simcpu_other_cpu_at_point(1, cpu1_gives_back_and_takes_again, k);
        uint64_t start = simcpu_points();
        timer_list_expire(&timers, ++ticks); // CPU 0's handler, one tick
        if (k == 1)
            points = simcpu_points() - start;
        simcpu_other_cpu_at_point(1, NULL, 0);
        if (!new_taken)
            cpu1_gives_back_and_takes_again(); // after the pass, then
        ASSERT_EQ(tally_counts()->wakes, 0, "k=%llu: the new sleep was woken early",
                  (unsigned long long)k);
        for (int i = 0; i < 6; i++)
            timer_list_expire(&timers, ++ticks);
        ASSERT_EQ(tally_counts()->wakes, 1, "k=%llu: the new sleep's deadline passed unnoticed",
                  (unsigned long long)k);
        cx.waker = &new_waker;
        ASSERT_EQ(future_poll(&new_sleep.base, &cx), POLL_READY, "k=%llu", (unsigned long long)k);
        ASSERT_EQ(timer_list_in_use(&timers), 0, "k=%llu", (unsigned long long)k);
    }
    test_points("timer.give_back_on_another_cpu", false, points, points, 0);
}

Test(sleep, wakes_a_task_on_the_executor, .init = fresh_timers)
{
    executor_init(&ex, 1, NULL);
    struct sleep s;
    sleep_ticks_init(&s, &timers, 3);
    struct task_id id;
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &s, NULL, &id), EXECUTOR_SPAWNED);
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1);
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(executor_run_ready_tasks(&ex), 0, "polled before it was woken");
        simcpu_raise(TIMER);
    }
    ASSERT_EQ(executor_run_ready_tasks(&ex), 1, "the fourth tick woke it");
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
    return (struct parent *)task_future(task_of(id));
}

static void fresh_spawner(void)
{
    free_tasks();
    simcpu_reset();
    executor_init(&ex, 1, NULL);
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

// ---- cancel: marked, then ended by whichever CPU takes the task next ----

Test(idle, cancelling_a_sleeping_task_gives_its_timer_back, .init = fresh_timers)
{
    executor_init(&ex, 1, NULL);
    struct sleep s;
    sleep_ticks_init(&s, &timers, 50);
    struct task_id id;
    ASSERT_EQ(executor_spawn(&ex, &s.base, sizeof s, (void (*)(struct future *))sleep_cancel, &id),
              EXECUTOR_SPAWNED);
    executor_run_ready_tasks(&ex);
    ASSERT_EQ(timer_list_in_use(&timers), 1);
    cr_assert(executor_cancel(&ex, id));
    ASSERT_EQ(executor_run_ready_tasks(&ex), 0, "ended, not polled");
    ASSERT_EQ(timer_list_in_use(&timers), 0, "the drop gave the entry back");
    ASSERT_EQ(executor_task_count(&ex), 0);
    cr_assert(!executor_cancel(&ex, id), "a second cancel finds it gone");
    for (int i = 0; i < 60; i++)
        simcpu_raise(TIMER);
    ASSERT_EQ(executor_run_ready_tasks(&ex), 0, "no tick woke anything");
}

// Two tasks whose drops cancel each other, and one whose drop cancels itself:
// each is freed once, each slot given back once. (Were the drop run while
// the task still held its slot and id, the peer's cancel would find it alive
// and end it a second time.)
static struct task_id peer_of[EXECUTOR_MAX_TASKS], my_id[EXECUTOR_MAX_TASKS];
static unsigned drops;

struct pending_forever {
    struct future base;
    unsigned slot; // its own, filled in after the spawn
};

static enum poll pending_forever_poll(struct future *f, struct context *cx)
{
    (void)f, (void)cx;
    return POLL_PENDING;
}

static void cancel_peer_on_drop(struct future *f)
{
    struct pending_forever *self = CONTAINER_OF(f, struct pending_forever, base);
    drops++;
    cr_assert(!executor_cancel(&ex, my_id[self->slot]), "a drop finds its own id stale");
    executor_cancel(&ex, peer_of[self->slot]);
}

static struct task_id spawn_pending(void)
{
    struct pending_forever p;
    future_init(&p.base, pending_forever_poll);
    struct task_id id;
    ASSERT_EQ(EXECUTOR_SPAWN(&ex, &p, cancel_peer_on_drop, &id), EXECUTOR_SPAWNED);
    ((struct pending_forever *)task_future(task_of(id)))->slot = id.slot;
    my_id[id.slot] = id;
    return id;
}

static void fresh_cancel(void)
{
    free_tasks();
    simcpu_reset();
    executor_init(&ex, 1, NULL);
    drops = 0;
    memset(peer_of, 0xff, sizeof peer_of); // no peer: a slot outside the table
}

static void run_all(void)
{
    while (executor_run_ready_tasks(&ex) || !deque_is_empty(&ex.cpus[0].ready))
        ;
}

TestSuite(cancel, .init = fresh_cancel, .fini = free_tasks, .timeout = 10);

Test(cancel, drops_that_cancel_each_other_free_each_task_once)
{
    struct mem_stats before = mem_stats();
    struct task_id a = spawn_pending(), b = spawn_pending();
    peer_of[a.slot] = b;
    peer_of[b.slot] = a;
    executor_run_ready_tasks(&ex);
    cr_assert(executor_cancel(&ex, a));
    run_all();
    ASSERT_EQ(drops, 2, "a's drop cancelled b; b's drop found a gone");
    ASSERT_EQ(executor_task_count(&ex), 0);
    ASSERT_EQ(atomic_load(&ex.free_count), EXECUTOR_MAX_TASKS, "each slot given back once");
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations, "each task freed once");
    struct task_id c = spawn_pending(), d = spawn_pending();
    cr_assert_neq(c.slot, d.slot, "two new tasks never share a slot");
}

Test(cancel, a_drop_that_cancels_its_own_id_is_harmless)
{
    struct mem_stats before = mem_stats();
    struct task_id a = spawn_pending();
    peer_of[a.slot] = a;
    cr_assert(executor_cancel(&ex, a));
    run_all();
    ASSERT_EQ(drops, 1);
    ASSERT_EQ(atomic_load(&ex.free_count), EXECUTOR_MAX_TASKS);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
}

// The mark names the generation it was made for: a cancel of the slot's
// old task never ends the new one, even when it comes after the old one's
// end, as it may from another CPU.
Test(cancel, a_stale_id_does_not_cancel_the_slots_new_task)
{
    struct task_id old = spawn_pending();
    cr_assert(executor_cancel(&ex, old));
    run_all();
    struct task_id fresh = spawn_pending();
    ASSERT_EQ(fresh.slot, old.slot, "the slot is reused");
    cr_assert(!executor_cancel(&ex, old), "the old id names the old task, which is gone");
    atomic_store(&ex.slots[old.slot].cancelled, old.generation); // a cancel racing the end
    run_all();
    ASSERT_EQ(executor_task_count(&ex), 1, "the new task lives on");
    cr_assert(executor_cancel(&ex, fresh));
    run_all();
    ASSERT_EQ(executor_task_count(&ex), 0);
}

// ---- a hog, and the same work in slices ----

// The key's interrupt: the event happens, and the waiter is woken.
static bool event;
static void device_irq(void)
{
    event = true;
    executor_wake(waiter);
}

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
    executor_init(&ex, 1, NULL);
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

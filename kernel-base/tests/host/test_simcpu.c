// The simulated CPU that host tests run on instead of real interrupts.
#include <criterion/criterion.h>
#include <setjmp.h>
#include <signal.h>

#include "cpu.h"
#include "simcpu.h"
#include "testing.h"

static int runs;
static bool flag_in_handler;
static void handler(void)
{
    runs++;
    flag_in_handler = cpu_interrupts_enabled();
    cr_assert(cpu_in_interrupt());
}

static void setup(void)
{
    simcpu_reset();
    runs = 0;
    simcpu_set_handler(1, handler);
}

TestSuite(simcpu, .init = setup, .timeout = 10);

Test(simcpu, raise_with_interrupts_enabled_runs_at_once)
{
    cr_assert(cpu_interrupts_enabled());
    simcpu_raise(1);
    cr_assert_eq(runs, 1);
    cr_assert_not(flag_in_handler, "handlers run with interrupts disabled");
    cr_assert(cpu_interrupts_enabled(), "and the flag comes back afterwards");
    cr_assert_not(cpu_in_interrupt());
}

Test(simcpu, raise_with_interrupts_disabled_waits_for_enable)
{
    cpu_interrupts_disable();
    simcpu_raise(1);
    cr_assert_eq(runs, 0);
    cr_assert(simcpu_pending(1));
    cpu_interrupts_enable();
    cr_assert_eq(runs, 1);
    cr_assert_not(simcpu_pending(1));
}

Test(simcpu, save_and_restore_nest)
{
    bool outer = cpu_interrupts_save_disable();
    bool inner = cpu_interrupts_save_disable();
    simcpu_raise(1);
    cpu_interrupts_restore(inner);
    cr_assert_eq(runs, 0, "still inside the outer section");
    cpu_interrupts_restore(outer);
    cr_assert_eq(runs, 1);
}

Test(simcpu, raise_at_kth_point)
{
    uint64_t start = simcpu_points();
    simcpu_raise_at_point(1, 3);
    cpu_interrupt_point();
    cpu_interrupt_point();
    cr_assert_eq(runs, 0);
    cpu_interrupt_point();
    cr_assert_eq(runs, 1);
    cr_assert_eq(simcpu_points(), start + 3);
    cpu_interrupt_point();
    cr_assert_eq(runs, 1, "one raise only");
}

Test(simcpu, enable_and_halt_is_woken_by_an_interrupt_raised_while_disabled)
{
    cpu_interrupts_disable();
    simcpu_raise(1);
    cpu_enable_and_halt();
    cr_assert_eq(runs, 1);
    cr_assert_eq(simcpu_halts(), 1);
}

static void device(void) { simcpu_raise(1); }

Test(simcpu, halt_hook_stands_in_for_a_device)
{
    simcpu_set_halt_hook(device);
    cpu_halt();
    cr_assert_eq(runs, 1);
}

Test(simcpu, halt_with_nothing_to_wake_it_fails, .signal = SIGABRT) { cpu_halt(); }

Test(simcpu, halt_with_interrupts_disabled_fails, .signal = SIGABRT)
{
    cpu_interrupts_disable();
    simcpu_raise(1);
    cpu_halt();
}

// The race the book is about, on a one-byte "queue": checking, then halting
// as two steps loses a wakeup that lands between them; cli; check; sti+hlt
// does not, wherever the interrupt lands.
static volatile int queue;
static void producer(void) { queue = 1; }

static void naive_wait(void)
{
    cpu_interrupt_point(); // an interrupt may land before the check...
    bool empty = queue == 0;
    cpu_interrupt_point(); // ...or after it, before the halt
    if (empty)
        cpu_halt();
}

static void careful_wait(void)
{
    cpu_interrupts_disable();
    cpu_interrupt_point();
    bool empty = queue == 0;
    cpu_interrupt_point();
    if (empty)
        cpu_enable_and_halt();
    else
        cpu_interrupts_enable();
}

// careful_wait passes 4 interrupt points when the queue stays empty: the
// interrupt is put at each of them in turn.
Test(simcpu, careful_wait_never_loses_the_wakeup)
{
    for (uint64_t k = 1; k <= 4; k++) {
        simcpu_reset();
        simcpu_set_handler(1, producer);
        queue = 0;
        simcpu_raise_at_point(1, k);
        careful_wait();
        cr_assert_eq(queue, 1, "interrupt at point %llu", (unsigned long long)k);
        cr_assert_eq(simcpu_delivered(1), 1);
    }
    test_points("simcpu.careful_wait", false, 4, 4, 0);
}

static jmp_buf lost;
static const char *lost_why;
static void on_lost_wakeup(const char *why)
{
    lost_why = why;
    longjmp(lost, 1);
}

Test(simcpu, naive_wait_loses_the_wakeup_between_check_and_halt)
{
    simcpu_set_handler(1, producer);
    simcpu_set_lost_wakeup_handler(on_lost_wakeup);
    for (uint64_t k = 1; k <= 2; k++) {
        queue = 0;
        lost_why = NULL;
        simcpu_raise_at_point(1, k);
        if (!setjmp(lost))
            naive_wait();
        if (k == 1)
            cr_assert_null(lost_why, "an interrupt before the check is seen by it");
        else
            cr_assert_str_eq(lost_why,
                             "hlt with nothing pending and nothing left to raise an interrupt",
                             "the interrupt after the check is slept through");
    }
    test_points("simcpu.careful_wait", true, 2, 2, 1);
}

Test(simcpu, plays_cpu_0_unless_told_otherwise)
{
    cr_assert_eq(cpu_index(), 0);
    simcpu_set_cpu_index(1);
    cr_assert_eq(cpu_index(), 1);
    simcpu_reset();
    cr_assert_eq(cpu_index(), 0);
}

Test(simcpu, the_full_fence_is_an_interrupt_point)
{
    uint64_t before = simcpu_points();
    cpu_full_fence();
    cr_assert_eq(simcpu_points(), before + 1);
}

// Another CPU's step, at the k-th point: it runs between two of this CPU's
// accesses whatever this CPU's interrupt flag says, as CPU 1, outside any
// interrupt; its own points are not counted, what it does to the flag is
// undone, and a line it raises reaches this CPU as the flag allows.
static unsigned other_index, other_points;
static bool other_in_interrupt;
static void other_cpu_step(void)
{
    other_index = cpu_index();
    other_in_interrupt = cpu_in_interrupt();
    uint64_t before = simcpu_points();
    cpu_interrupts_disable();
    cpu_interrupts_enable();
    other_points = (unsigned)(simcpu_points() - before);
    simcpu_raise(1);
}

Test(simcpu, another_cpu_steps_in_at_the_kth_point_whatever_the_flag)
{
    simcpu_other_cpu_at_point(1, other_cpu_step, 2);
    cpu_interrupts_disable(); // point 1
    cpu_interrupt_point();    // point 2: CPU 1 steps in, with this CPU's interrupts off
    ASSERT_EQ(other_index, 1, "cpu_index() during the step");
    cr_assert(!other_in_interrupt, "the step is not an interrupt");
    ASSERT_EQ(other_points, 0, "the step's own points are not counted");
    ASSERT_EQ(cpu_index(), 0, "back to CPU 0");
    cr_assert(!cpu_interrupts_enabled(), "the step left this CPU's flag as it was");
    ASSERT_EQ(runs, 0, "the line it raised waits for this CPU's sti");
    cpu_interrupts_enable();
    ASSERT_EQ(runs, 1);
    ASSERT_EQ(simcpu_points(), 4,
              "disable, the point, the read of the flag, enable: CPU 1 added none");
}

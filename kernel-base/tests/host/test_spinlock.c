// The ticket lock of spinlock.h on the simulated CPU: what it does to the
// interrupt flag, how tickets pass the lock on, and wrap-around. Its FIFO
// order and its memory orders under real contention are tested on threads
// (tests/tsan/spinlock.c) and on two CPUs in QEMU (tests/smp/).
#include <criterion/criterion.h>

#include "cpu.h"
#include "simcpu.h"
#include "spinlock.h"
#include "testing.h"

static unsigned handled;
static void count(void) { handled++; }

static void setup(void)
{
    simcpu_reset();
    handled = 0;
    simcpu_set_handler(1, count);
}

TestSuite(spinlock, .init = setup, .timeout = 10);

Test(spinlock, irqsave_turns_interrupts_off_and_restore_puts_them_back)
{
    struct spinlock lock = {0};
    bool was_enabled = spin_lock_irqsave(&lock);
    cr_assert(was_enabled);
    cr_assert_not(cpu_interrupts_enabled());
    spin_unlock_irqrestore(&lock, was_enabled);
    cr_assert(cpu_interrupts_enabled());
}

Test(spinlock, restore_leaves_interrupts_off_if_they_were)
{
    struct spinlock lock = {0};
    cpu_interrupts_disable();
    bool was_enabled = spin_lock_irqsave(&lock);
    cr_assert_not(was_enabled);
    spin_unlock_irqrestore(&lock, was_enabled);
    cr_assert_not(cpu_interrupts_enabled());
    cpu_interrupts_enable();
}

Test(spinlock, an_interrupt_raised_while_held_waits_for_the_unlock)
{
    struct spinlock lock = {0};
    bool was_enabled = spin_lock_irqsave(&lock);
    simcpu_raise(1);
    ASSERT_EQ(handled, 0, "no handler runs while the lock is held");
    spin_unlock_irqrestore(&lock, was_enabled);
    ASSERT_EQ(handled, 1);
}

Test(spinlock, each_unlock_serves_the_next_ticket)
{
    struct spinlock lock = {0};
    for (uint32_t i = 0; i < 5; i++) {
        spin_lock(&lock);
        ASSERT_EQ(atomic_load(&lock.next), i + 1, "one ticket per lock");
        ASSERT_EQ(atomic_load(&lock.serving), i, "we hold ticket %u", i);
        spin_unlock(&lock);
        ASSERT_EQ(atomic_load(&lock.serving), i + 1);
    }
}

// A waiter, played by this test as CPU 0, spins until the holder, CPU 1,
// lets go. An interrupt that stands for CPU 1 lets go at the 5th interrupt
// point of the wait (the waiter spins with interrupts on here, against the
// rules, only so that the simulated "other CPU" can run at all).
static struct spinlock shared;
static void cpu1_unlocks(void) { spin_unlock(&shared); }

Test(spinlock, a_waiter_gets_the_lock_when_the_holder_lets_go)
{
    shared = (struct spinlock){0};
    simcpu_set_cpu_index(1);
    spin_lock(&shared); // CPU 1 holds ticket 0
    simcpu_set_cpu_index(0);
    simcpu_set_handler(2, cpu1_unlocks);
    uint64_t start = simcpu_points();
    simcpu_raise_at_point(2, 5);
    spin_lock(&shared); // ticket 1: spins until CPU 1 lets go
    cr_assert_geq(simcpu_points() - start, 5, "it waited for the unlock");
    ASSERT_EQ(atomic_load(&shared.serving), 1);
    spin_unlock(&shared);
    ASSERT_EQ(atomic_load(&shared.serving), 2);
}

Test(spinlock, tickets_wrap_around)
{
    struct spinlock lock = {0};
    atomic_store(&lock.next, UINT32_MAX - 2);
    atomic_store(&lock.serving, UINT32_MAX - 2);
    for (int i = 0; i < 6; i++) {
        bool was_enabled = spin_lock_irqsave(&lock);
        spin_unlock_irqrestore(&lock, was_enabled);
    }
    ASSERT_EQ(atomic_load(&lock.next), 3);
    ASSERT_EQ(atomic_load(&lock.serving), 3);
}

// The injector: chapter 05's ready queue under a ticket lock. Its contract one
// call at a time; the lock taken with interrupts off and given back with
// them as they were (an interrupt handler may push: it finds them off); and
// the lock-free look a sleeping CPU takes, with the other CPU's push landing
// between any two of its accesses. Its mutual exclusion under real
// contention is the ticket lock's, tested in kernel-base (host, threads,
// two CPUs in QEMU).
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "cpu.h"
#include "injector.h"
#include "simcpu.h"
#include "testing.h"

static struct injector q;
static void fresh(void)
{
    simcpu_reset();
    injector_init(&q);
}

TestSuite(injector, .init = fresh, .timeout = 10);

Test(injector, pops_in_the_order_pushed_from_any_cpu)
{
    for (uint8_t i = 0; i < 10; i++) {
        simcpu_set_cpu_index(i % 2);
        cr_assert(injector_push(&q, i));
    }
    ASSERT_EQ(injector_length(&q), 10);
    for (uint8_t i = 0; i < 10; i++) {
        simcpu_set_cpu_index(1 - i % 2);
        uint8_t slot;
        cr_assert(injector_pop(&q, &slot));
        ASSERT_EQ(slot, i);
    }
    uint8_t slot = 99;
    cr_assert(!injector_pop(&q, &slot), "empty");
    ASSERT_EQ(slot, 99, "an empty pop leaves *slot alone");
    cr_assert(injector_is_empty(&q));
}

Test(injector, holds_its_capacity_and_refuses_one_more)
{
    for (unsigned wrap = 0; wrap < 3; wrap++) { // the indices wrap around the ring
        for (unsigned i = 0; i < INJECTOR_CAPACITY; i++)
            cr_assert(injector_push(&q, (uint8_t)i), "push %u of %u", i + 1, INJECTOR_CAPACITY);
        ASSERT_EQ(injector_length(&q), INJECTOR_CAPACITY);
        cr_assert(!injector_push(&q, 99), "a full injector refuses");
        ASSERT_EQ(injector_overflows(&q), wrap + 1, "and counts the refusal");
        for (unsigned i = 0; i < INJECTOR_CAPACITY; i++) {
            uint8_t slot;
            cr_assert(injector_pop(&q, &slot));
            ASSERT_EQ(slot, i, "the refused one did not overwrite the oldest");
        }
        cr_assert(injector_is_empty(&q));
    }
}

// The lock is taken with interrupts off (an interrupt that wanted it while
// this CPU held it would wait forever) and let go with them as they were.
static unsigned handled, free_in_handler;
static void irq_checks_the_lock(void)
{
    handled++;
    if (atomic_load(&q.lock.next) == atomic_load(&q.lock.serving))
        free_in_handler++;
    injector_push(&q, 42); // a handler's push: interrupts are off, and stay off
    cr_assert(!cpu_interrupts_enabled(), "a push in a handler turned interrupts on");
}

Test(injector, an_interrupt_never_lands_while_the_lock_is_held)
{
    simcpu_set_handler(1, irq_checks_the_lock);
    uint64_t start = simcpu_points();
    injector_push(&q, 1);
    uint8_t slot;
    injector_pop(&q, &slot);
    uint64_t points = simcpu_points() - start;
    for (uint64_t k = 1; k <= points; k++) {
        fresh();
        simcpu_set_handler(1, irq_checks_the_lock);
        handled = free_in_handler = 0;
        simcpu_raise_at_point(1, k);
        injector_push(&q, 1);
        injector_pop(&q, &slot);
        simcpu_raise_at_point(1, 0);
        ASSERT_EQ(handled, 1, "k=%llu", (unsigned long long)k);
        ASSERT_EQ(free_in_handler, 1, "k=%llu: the handler found the lock held",
                  (unsigned long long)k);
        cr_assert(cpu_interrupts_enabled(), "k=%llu", (unsigned long long)k);
        ASSERT_EQ(injector_length(&q), 1, "k=%llu: one of the two slots left",
                  (unsigned long long)k);
    }
}

Test(injector, restores_interrupts_as_they_were)
{
    cpu_interrupts_disable();
    injector_push(&q, 3);
    cr_assert(!cpu_interrupts_enabled(), "off before, off after");
    cpu_interrupts_enable();
    uint8_t slot;
    injector_pop(&q, &slot);
    cr_assert(cpu_interrupts_enabled(), "on before, on after");
}

// A look without the lock: CPU 1 pushes at every point of CPU 0's look.
// Before the look's read of tail it is seen; after it, it is not, and the
// executor's fence-and-flag protocol is what covers that case.
static void cpu1_pushes(void) { injector_push(&q, 5); }

Test(injector, a_look_sees_a_push_that_lands_before_its_read_of_tail)
{
    uint64_t start = simcpu_points();
    (void)injector_is_empty(&q);
    uint64_t points = simcpu_points() - start;
    ASSERT_EQ(points, 2, "head, then tail");
    for (uint64_t k = 1; k <= points + 1; k++) {
        fresh();
        simcpu_other_cpu_at_point(1, cpu1_pushes, k);
        bool empty = injector_is_empty(&q);
        simcpu_other_cpu_at_point(1, NULL, 0);
        ASSERT_EQ(empty, k > points, "k=%llu", (unsigned long long)k);
    }
}

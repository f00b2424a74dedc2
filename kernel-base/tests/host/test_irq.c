// katomic.h's wrappers are interrupt points, and the IRQ table of irq.h stays
// right with an interrupt landing before any of its shared accesses.
#include <criterion/criterion.h>

#include "irq.h"
#include "katomic.h"
#include "simcpu.h"
#include "testing.h"

enum { LINE = 3 };

static _Atomic unsigned shared;
// The simulated device: it changes the shared value, as a handler would.
static void set_shared_to_7(void) { atomic_store(&shared, 7); }

static void setup(void)
{
    simcpu_reset();
    atomic_store(&shared, 0);
    simcpu_set_handler(LINE, set_shared_to_7);
}

TestSuite(katomic, .init = setup, .timeout = 10);

// Raise the interrupt at point `k` from now, run `op`, and check that it
// passed `points` interrupt points, with the interrupt landing at the k-th.
#define LANDS_AT(k, points, op)                                                                    \
    do {                                                                                           \
        atomic_store(&shared, 0);                                                                  \
        uint64_t points_before = simcpu_points(), delivered_before = simcpu_delivered(LINE);       \
        simcpu_raise_at_point(LINE, k);                                                            \
        op;                                                                                        \
        ASSERT_EQ(simcpu_points(), points_before + (points), "%s: its interrupt points", #op);     \
        ASSERT_EQ(simcpu_delivered(LINE), delivered_before + 1, "%s: it landed", #op);             \
    } while (0)

// A load is a point before its access; a store or a read-modify-write is a
// point before and one after, so that a walk sees every order of two
// accesses, a plain one included (a byte read after a store of an index).
Test(katomic, a_point_before_every_access_and_after_every_write)
{
    unsigned seen, expected = 7;
    bool swapped;
    LANDS_AT(1, 1, seen = katomic_load(&shared, memory_order_relaxed));
    ASSERT_EQ(seen, 7, "the load saw the handler's store");
    LANDS_AT(1, 2, seen = katomic_exchange(&shared, 5, memory_order_relaxed));
    ASSERT_EQ(seen, 7);
    LANDS_AT(1, 2, seen = katomic_fetch_add(&shared, 1, memory_order_relaxed));
    ASSERT_EQ(seen, 7);
    ASSERT_EQ(atomic_load(&shared), 8);
    LANDS_AT(1, 2, seen = katomic_fetch_sub(&shared, 1, memory_order_relaxed));
    ASSERT_EQ(seen, 7);
    LANDS_AT(1, 2, seen = katomic_fetch_or(&shared, 8, memory_order_relaxed));
    ASSERT_EQ(atomic_load(&shared), 15);
    LANDS_AT(1, 2, seen = katomic_fetch_and(&shared, 1, memory_order_relaxed));
    ASSERT_EQ(atomic_load(&shared), 1);
    LANDS_AT(1, 2,
             swapped = katomic_compare_exchange(&shared, &expected, 9, memory_order_relaxed,
                                                memory_order_relaxed));
    cr_assert(swapped, "the compare-exchange saw the handler's 7");
    ASSERT_EQ(atomic_load(&shared), 9);
    LANDS_AT(1, 2, katomic_store(&shared, 3, memory_order_relaxed));
    ASSERT_EQ(atomic_load(&shared), 3, "the store came after the handler's");
    LANDS_AT(2, 2, katomic_store(&shared, 3, memory_order_relaxed));
    ASSERT_EQ(atomic_load(&shared), 7, "the handler's store came after ours");
    LANDS_AT(2, 2, seen = katomic_fetch_add(&shared, 1, memory_order_relaxed));
    ASSERT_EQ(seen, 0);
    ASSERT_EQ(atomic_load(&shared), 7, "the handler's store came after the add");
}

// The IRQ table, on the simulated CPU: the simulated line runs irq_dispatch,
// as interrupts.c does for a real IRQ.
static int ran_old, ran_new;
static void old_handler(void) { ran_old++; }
static void new_handler(void) { ran_new++; }
static void line_interrupt(void) { irq_dispatch(LINE); }

static void irq_setup(void)
{
    simcpu_reset();
    simcpu_set_handler(LINE, line_interrupt);
    ran_old = ran_new = 0;
}

TestSuite(irq, .init = irq_setup, .timeout = 10);

Test(irq, dispatch_counts_and_runs_the_handler)
{
    ASSERT_EQ(irq_set_handler(LINE, old_handler), (long long)(uintptr_t)NULL);
    for (int n = 1; n <= 50; n++) {
        simcpu_raise(LINE);
        ASSERT_EQ(ran_old, n);
        ASSERT_EQ(irq_count(LINE), n);
    }
    ASSERT_EQ(irq_count(IRQ_LINES), 0, "a line that does not exist");
    irq_note_spurious();
    ASSERT_EQ(irq_spurious_count(), 1);
}

Test(irq, a_line_without_a_handler_is_still_counted)
{
    simcpu_raise(LINE);
    ASSERT_EQ(irq_count(LINE), 1);
}

// Task context swaps the handler and reads the count; the interrupt lands at
// each point in turn. Wherever it lands, exactly one handler runs for it (the
// old one before the swap, the new one after), the swap returns the old one,
// and the count seen afterwards includes the interrupt.
Test(irq, an_interrupt_at_every_point_of_a_handler_swap)
{
    enum { POINTS = 3 }; // around the exchange, then the load of the count
    irq_set_handler(LINE, old_handler);
    uint64_t start = simcpu_points();
    irq_handler previous = irq_set_handler(LINE, new_handler);
    uint64_t count = irq_count(LINE);
    ASSERT_EQ(simcpu_points() - start, POINTS, "points walked by a swap and a read");
    cr_assert(previous == old_handler);
    ASSERT_EQ(count, 0);

    for (unsigned k = 1; k <= POINTS; k++) {
        irq_set_handler(LINE, old_handler);
        ran_old = ran_new = 0;
        uint64_t before = irq_count(LINE);
        simcpu_raise_at_point(LINE, k);
        previous = irq_set_handler(LINE, new_handler);
        count = irq_count(LINE);
        cr_assert(previous == old_handler, "k=%u: the swap returns the old handler", k);
        ASSERT_EQ(ran_old + ran_new, 1, "k=%u: one handler ran for one interrupt", k);
        ASSERT_EQ(ran_old, k == 1, "k=%u: the old handler runs only before the swap", k);
        ASSERT_EQ(count, before + 1, "k=%u: the count includes the interrupt", k);
    }
    test_points("irq.set_handler", false, POINTS, POINTS, 0);
}

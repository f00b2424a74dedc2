// kmalloc on the host: the counters tests rely on, and the kernel's rules.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>

#include "cpu.h"
#include "mem.h"
#include "simcpu.h"
#include "testing.h"

TestSuite(mem, .timeout = 10);

Test(mem, counters_follow_allocations)
{
    struct mem_stats before = mem_stats();
    void *a = kmalloc(10), *b = kmalloc(100);
    cr_assert_eq((uintptr_t)a % 16, 0);
    cr_assert_eq((uintptr_t)b % 16, 0);
    struct mem_stats during = mem_stats();
    cr_assert_eq(during.live_allocations, before.live_allocations + 2);
    cr_assert_eq(during.bytes_in_use, before.bytes_in_use + 16 + 112);
    kfree(a);
    kfree(b);
    kfree(NULL);
    struct mem_stats after = mem_stats();
    cr_assert_eq(after.live_allocations, before.live_allocations);
    cr_assert_eq(after.bytes_in_use, before.bytes_in_use);
    cr_assert_eq(after.total_allocations, before.total_allocations + 2);
}

Test(mem, kcalloc_zeroes_and_checks_overflow)
{
    uint8_t *p = kcalloc(100, 3);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(p[i], 0);
    kfree(p);
    cr_assert_null(kcalloc(SIZE_MAX / 2, 3));
}

Test(mem, zero_size_is_null)
{
    cr_assert_null(kmalloc(0));
    cr_assert_eq(mem_stats().failed_allocations, 1);
}

Test(mem, injected_failure_after_n_successes)
{
    mem_inject_failure(2);
    void *a = kmalloc(8), *b = kmalloc(8), *c = kmalloc(8), *d = kmalloc(8);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_null(c);
    cr_assert_null(d, "stays failing until turned off");
    mem_inject_failure(-1);
    void *e = kmalloc(8);
    cr_assert_not_null(e);
    kfree(a);
    kfree(b);
    kfree(e);
    cr_assert_eq(mem_stats().failed_allocations, 2);
}

Test(mem, double_free_panics)
{
    void *p = kmalloc(8);
    kfree(p);
    ASSERT_PANICS(kfree(p), "not a live kmalloc block (double free?)");
}

static void allocating_handler(void) { kfree(kmalloc(8)); }

Test(mem, allocation_in_interrupt_context_panics)
{
    simcpu_reset();
    simcpu_set_handler(1, allocating_handler);
    ASSERT_PANICS(simcpu_raise(1), "kmalloc(8) in interrupt context");
}

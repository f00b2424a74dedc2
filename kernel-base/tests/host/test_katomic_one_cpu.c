// katomic.h's one-CPU forms (the kernels of chapters 01-05): each returns
// what C11's would, and none takes the bus lock. Built here with the same
// compiler, outside the simulated CPU: they are plain x86 instructions.
#define KATOMIC_ONE_CPU
#include "katomic.h"

#include <criterion/criterion.h>
#include <stdint.h>

#include "testing.h"

TestSuite(katomic_one_cpu, .timeout = 10);

Test(katomic_one_cpu, each_operation_returns_what_c11_would)
{
    static _Atomic unsigned u = 5;
    ASSERT_EQ(katomic_fetch_add(&u, 3, memory_order_relaxed), 5);
    ASSERT_EQ(katomic_fetch_sub(&u, 2, memory_order_relaxed), 8);
    ASSERT_EQ(katomic_load(&u, memory_order_acquire), 6);
    unsigned expected = 6;
    cr_assert(katomic_compare_exchange(&u, &expected, 9u, memory_order_acq_rel,
                                       memory_order_relaxed));
    expected = 1;
    cr_assert(!katomic_compare_exchange(&u, &expected, 7u, memory_order_acq_rel,
                                        memory_order_relaxed));
    ASSERT_EQ(expected, 9, "a failed compare-exchange reports what it found");
    ASSERT_EQ(katomic_fetch_or(&u, 0x10u, memory_order_acq_rel), 9);
    ASSERT_EQ(katomic_fetch_and(&u, ~1u, memory_order_release), 25);
    ASSERT_EQ(katomic_exchange(&u, 3u, memory_order_acq_rel), 24);
    katomic_store(&u, 4u, memory_order_release);
    ASSERT_EQ(atomic_load(&u), 4);

    static _Atomic bool flag;
    cr_assert(!katomic_exchange(&flag, true, memory_order_acq_rel));
    cr_assert(katomic_exchange(&flag, false, memory_order_acq_rel));
    static _Atomic uint64_t wide = 1;
    ASSERT_EQ(katomic_fetch_add(&wide, (uint64_t)1 << 40, memory_order_relaxed), 1);
    cr_assert(atomic_load(&wide) == ((uint64_t)1 << 40) + 1, "64-bit operands stay 64-bit");
    static _Atomic uint8_t byte = 200;
    ASSERT_EQ(katomic_fetch_add(&byte, 100, memory_order_relaxed), 200);
    ASSERT_EQ(atomic_load(&byte), 44, "8-bit operands wrap as 8-bit");
    static int x;
    static int *_Atomic p;
    katomic_store(&p, &x, memory_order_release);
    cr_assert(katomic_exchange(&p, NULL, memory_order_acq_rel) == &x);
}

// The point of the one-CPU forms: no lock prefix. A function built from each
// of them is disassembled by nobody here, so look at the bytes: 0xF0 is the
// lock prefix, and none of these instructions may carry it.
static void every_operation(_Atomic unsigned *u)
{
    unsigned e = 0;
    katomic_fetch_add(u, 1, memory_order_relaxed);
    katomic_compare_exchange(u, &e, 1u, memory_order_acq_rel, memory_order_relaxed);
    katomic_fetch_or(u, 2u, memory_order_acq_rel);
    katomic_exchange(u, 0u, memory_order_acq_rel);
}

Test(katomic_one_cpu, nothing_locks_the_bus)
{
    static _Atomic unsigned u;
    every_operation(&u);
    const uint8_t *code = (const uint8_t *)(uintptr_t)every_operation;
    // cmpxchg is 0F B1, xadd 0F C1, maybe after a REX byte (40-4F): neither
    // may follow a lock prefix.
    unsigned found = 0;
    for (unsigned i = 2; i + 1 < 512 && code[i] != 0xC3; i++)
        if (code[i] == 0x0F && (code[i + 1] == 0xB1 || code[i + 1] == 0xC1)) {
            unsigned prefix = (code[i - 1] & 0xF0) == 0x40 ? i - 2 : i - 1;
            found++;
            cr_assert_neq(code[prefix], 0xF0, "a lock prefix at byte %u", prefix);
        }
    cr_assert_geq(found, 3, "found %u cmpxchg/xadd instructions", found);
}

// Host tests for calc.c
#include <criterion/criterion.h>

#include "calc.h"
#include "testing.h"

TestSuite(calc, .timeout = 10);

Test(calc, sum_of_random_values)
{
    uint32_t v[64];
    unsigned n = (unsigned)test_random_range(1, 64);
    uint64_t expected = 0;
    for (unsigned i = 0; i < n; i++) {
        v[i] = (uint32_t)test_random();
        expected += v[i];
    }
    uint64_t got = calc_sum(v, n);
    cr_assert_eq(got, expected, "calc_sum of %u values: got %llu, expected %llu", n,
                 (unsigned long long)got, (unsigned long long)expected);
}

Test(calc, sum_of_nothing)
{
    uint64_t got = calc_sum(NULL, 0);
    cr_assert_eq(got, 0, "calc_sum of no values: got %llu, expected 0", (unsigned long long)got);
}

Test(calc, max_of_random_values)
{
    uint32_t v[64];
    unsigned n = (unsigned)test_random_range(1, 64);
    uint32_t expected = 0;
    for (unsigned i = 0; i < n; i++) {
        v[i] = (uint32_t)test_random_range(1, 1000000);
        if (v[i] > expected)
            expected = v[i];
    }
    uint32_t got = calc_max(v, n);
    cr_assert_eq(got, expected, "calc_max of %u values: got %u, expected %u", n, got, expected);
}

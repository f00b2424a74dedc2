// The first-fit heap behind kmalloc, run over a region of host memory.
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "testing.h"

TestSuite(heap, .timeout = 10);

#define REGION (1 << 20)
static _Alignas(16) uint8_t region[REGION];

static struct heap fresh_heap(void)
{
    struct heap h;
    cr_assert(heap_init(&h, region, sizeof region));
    return h;
}

Test(heap, alignment_and_rounding)
{
    struct heap h = fresh_heap();
    for (size_t size = 1; size < 100; size++) {
        void *p = heap_alloc(&h, size);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % HEAP_ALIGN, 0, "size %zu", size);
        cr_assert_eq(heap_block_size(p), (size + 15) / 16 * 16);
        memset(p, 0xAB, size);
    }
    cr_assert_eq(h.live_allocations, 99);
}

Test(heap, misaligned_region_is_aligned)
{
    struct heap h;
    cr_assert(heap_init(&h, region + 3, 4096));
    void *p = heap_alloc(&h, 10);
    cr_assert_eq((uintptr_t)p % HEAP_ALIGN, 0);
}

Test(heap, too_small_region_is_refused)
{
    struct heap h;
    cr_assert_not(heap_init(&h, region, 16));
    cr_assert_null(heap_alloc(&h, 1));
}

Test(heap, reuses_freed_memory)
{
    struct heap h = fresh_heap();
    void *a = heap_alloc(&h, 64);
    void *b = heap_alloc(&h, 64);
    cr_assert(heap_free(&h, a));
    cr_assert_eq(heap_alloc(&h, 64), a, "the freed block comes back first");
    cr_assert(heap_free(&h, b));
}

Test(heap, exhaustion_returns_null_and_recovers)
{
    struct heap h = fresh_heap();
    cr_assert_null(heap_alloc(&h, REGION));
    cr_assert_null(heap_alloc(&h, 0));
    cr_assert_null(heap_alloc(&h, SIZE_MAX));
    void *blocks[4096];
    int n = 0;
    while ((blocks[n] = heap_alloc(&h, 1000)))
        n++;
    cr_assert_gt(n, 900);
    cr_assert_null(heap_alloc(&h, 1000));
    for (int i = 0; i < n; i++)
        cr_assert(heap_free(&h, blocks[i]));
    cr_assert_eq(h.live_allocations, 0);
    cr_assert_eq(h.bytes_in_use, 0);
    // Every neighbour merged again: the whole region is one block.
    cr_assert_eq(heap_largest_free(&h), heap_free_bytes(&h));
    cr_assert_not_null(heap_alloc(&h, REGION / 2));
}

Test(heap, frees_in_any_order_coalesce)
{
    struct heap h = fresh_heap();
    size_t initial = heap_largest_free(&h);
    void *p[64];
    for (int i = 0; i < 64; i++)
        p[i] = heap_alloc(&h, (size_t)test_random_range(1, 3000));
    for (int i = 63; i > 0; i--) { // shuffle
        int j = (int)test_random_range(0, i);
        void *t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    for (int i = 0; i < 64; i++)
        cr_assert(heap_free(&h, p[i]));
    cr_assert_eq(heap_largest_free(&h), initial);
}

Test(heap, bad_and_double_frees_are_refused)
{
    struct heap h = fresh_heap();
    uint8_t *p = heap_alloc(&h, 32);
    cr_assert(heap_free(&h, NULL));
    cr_assert_not(heap_free(&h, p + 16), "not the start of a block");
    cr_assert_not(heap_free(&h, region + REGION + 64), "outside the heap");
    cr_assert(heap_free(&h, p));
    cr_assert_not(heap_free(&h, p), "double free");
    cr_assert_eq(h.live_allocations, 0);
}

// Random allocations and frees against a model: contents never overlap and
// the counters always agree.
Test(heap, random_workload_keeps_blocks_disjoint)
{
    struct heap h = fresh_heap();
    enum { SLOTS = 128 };
    uint8_t *slot[SLOTS] = {0};
    size_t size[SLOTS] = {0};
    for (int step = 0; step < 20000; step++) {
        int i = (int)test_random_range(0, SLOTS - 1);
        if (slot[i]) {
            for (size_t k = 0; k < size[i]; k++)
                cr_assert_eq(slot[i][k], (uint8_t)i, "block %d was overwritten", i);
            cr_assert(heap_free(&h, slot[i]));
            slot[i] = NULL;
        } else {
            size[i] = (size_t)test_random_range(1, 8000);
            slot[i] = heap_alloc(&h, size[i]);
            if (slot[i])
                memset(slot[i], i, size[i]);
        }
        size_t live = 0;
        for (int k = 0; k < SLOTS; k++)
            live += slot[k] != NULL;
        cr_assert_eq(h.live_allocations, live);
    }
}

// libFuzzer harness for the kernel heap (kernel-base/lib/heap.c) against a
// model: the input is a sequence of allocations, frees and bad frees. ASan
// cannot see inside the heap's one big region, so the harness checks what it
// would: every block is aligned, inside the region and apart from every other
// live block (headers included); the allocator never writes into a live block
// (each is filled with its own pattern and checked before it is freed); an
// allocation fails only when no free block is large enough (first fit); a bad
// or double free is refused and changes nothing; and once everything is freed
// the heap is one free block again, as large as at the start.
//
// fuzz-sources: kernel-base/lib/heap.c
// fuzz-include: kernel-base/include
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"

#define REGION 16384
#define MAX_LIVE 256
#define HEADER 16 // the block header that precedes each payload (heap.c)

static _Alignas(HEAP_ALIGN) uint8_t region[REGION + HEAP_ALIGN];
static struct heap heap;
static struct block {
    uint8_t *ptr;
    size_t size; // heap_block_size: the payload it owns
    uint8_t fill;
} live[MAX_LIVE];
static size_t nlive;
static size_t at;

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...);

static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "heap fuzz: at input byte %zu: ", at);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

static size_t round_up(size_t n) { return (n + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1); }

static void check_counts(void)
{
    size_t bytes = 0;
    for (size_t i = 0; i < nlive; i++)
        bytes += live[i].size;
    if (heap.live_allocations != nlive || heap.bytes_in_use != bytes)
        fail("counters: %zu live, %zu bytes in use; the model has %zu live, %zu bytes",
             heap.live_allocations, heap.bytes_in_use, nlive, bytes);
}

static void check_intact(const struct block *b)
{
    for (size_t i = 0; i < b->size; i++)
        if (b->ptr[i] != b->fill)
            fail("live block %p (%zu bytes) overwritten at offset %zu", (void *)b->ptr, b->size, i);
}

static void do_alloc(size_t size)
{
    size_t largest = heap_largest_free(&heap);
    uint8_t *p = heap_alloc(&heap, size);
    if (!p) {
        // First fit: it fails only when no free block can hold the size.
        if (size && round_up(size) <= largest)
            fail("alloc(%zu) failed with a free block of %zu", size, largest);
        return;
    }
    if (size == 0)
        fail("alloc(0) returned %p", (void *)p);
    size_t got = heap_block_size(p);
    if ((uintptr_t)p % HEAP_ALIGN || p < (uint8_t *)heap.start + HEADER ||
        p + got > (uint8_t *)heap.end)
        fail("alloc(%zu) = %p (%zu bytes) is misaligned or outside the region", size, (void *)p,
             got);
    // It may keep a sliver too small to split off, never a whole block more.
    if (got < size || got >= round_up(size) + HEADER + HEAP_ALIGN)
        fail("alloc(%zu) gave a block of %zu bytes", size, got);
    for (size_t i = 0; i < nlive; i++)
        if (p - HEADER < live[i].ptr + live[i].size && live[i].ptr - HEADER < p + got)
            fail("alloc(%zu) = %p overlaps the live block %p", size, (void *)p,
                 (void *)live[i].ptr);
    if (nlive == MAX_LIVE) { // the model is full: give it straight back
        if (!heap_free(&heap, p))
            fail("free of a fresh block refused");
        return;
    }
    struct block *b = &live[nlive++];
    *b = (struct block){p, got, (uint8_t)(0x11 + at * 7)};
    memset(p, b->fill, got);
}

static void do_free(size_t k)
{
    struct block b = live[k];
    check_intact(&b);
    live[k] = live[--nlive];
    if (!heap_free(&heap, b.ptr))
        fail("free of the live block %p refused", (void *)b.ptr);
}

// A pointer heap_free must refuse, changing nothing.
static void do_bad_free(uint8_t how, uint8_t *freed)
{
    uint8_t *p = NULL;
    const struct block *b = nlive ? &live[how % nlive] : NULL;
    size_t inside = HEAP_ALIGN * (1 + how / 64);
    switch (how % 4) {
    case 0: // the block freed last (a double free), unless its memory was reused
        p = freed;
        for (size_t i = 0; p && i < nlive; i++)
            if (p >= live[i].ptr - HEADER && p < live[i].ptr + live[i].size)
                p = NULL;
        break;
    case 1: // aligned, but inside a live block's payload
        if (b && inside < b->size)
            p = b->ptr + inside;
        break;
    case 2: // misaligned
        if (b)
            p = b->ptr + 1 + how % 15;
        break;
    default: // outside the region
        p = how & 1 ? region + sizeof region : (uint8_t *)&heap;
        break;
    }
    if (!p)
        return;
    size_t live_before = heap.live_allocations, free_before = heap_free_bytes(&heap);
    if (heap_free(&heap, p))
        fail("bad free of %p (kind %d) accepted", (void *)p, how % 4);
    if (heap.live_allocations != live_before || heap_free_bytes(&heap) != free_before)
        fail("a refused free changed the heap");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    // An unaligned base and a size that is not a multiple of the alignment,
    // as a real memory map gives.
    size_t offset = data[0] % HEAP_ALIGN, length = REGION - data[0] % 61;
    nlive = 0;
    if (!heap_init(&heap, region + offset, length))
        fail("heap_init refused %zu bytes", length);
    size_t initial_free = heap_free_bytes(&heap);
    if (heap_largest_free(&heap) != initial_free || heap.live_allocations || heap.bytes_in_use)
        fail("a fresh heap is not one free block");

    uint8_t *freed = NULL;
    // Each operation is a byte and, for an allocation, two more for the size.
    for (at = 1; at < size; at++) {
        uint8_t op = data[at];
        if (op < 0x80 && at + 2 < size) {
            size_t n = (data[at + 1] | (size_t)data[at + 2] << 8) >> (op % 8);
            at += 2;
            do_alloc(n);
        } else if (op < 0xE0 && nlive) {
            size_t k = op % nlive;
            freed = live[k].ptr;
            do_free(k);
        } else {
            do_bad_free(op, freed);
        }
        check_counts();
    }
    while (nlive)
        do_free(nlive - 1);
    check_counts();
    // Freed neighbours merge: the heap is one block again.
    if (heap_free_bytes(&heap) != initial_free || heap_largest_free(&heap) != initial_free)
        fail("all freed: %zu free bytes, largest block %zu; at the start one block of %zu",
             heap_free_bytes(&heap), heap_largest_free(&heap), initial_free);
    return 0;
}

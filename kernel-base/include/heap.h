// A first-fit heap over one region of memory: the allocator behind kmalloc.
// Portable (no kernel headers), so the host tests exercise the same code.
// Not safe to share between contexts: the caller serialises (the kernel only
// allocates in task context).
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_ALIGN 16

struct heap_free_block;

struct heap {
    struct heap_free_block *free_list; // sorted by address, neighbours merged
    uintptr_t start, end;              // the region, aligned to HEAP_ALIGN
    size_t live_allocations;
    size_t bytes_in_use; // payload bytes handed out, after rounding
};

// Take over [base, base + size). Returns false if the region is too small to
// hold one block.
bool heap_init(struct heap *heap, void *base, size_t size);

// A HEAP_ALIGN-aligned block of at least `size` bytes, or NULL if no free
// block is large enough (or size is 0 or absurd).
void *heap_alloc(struct heap *heap, size_t size);

// Return a block from heap_alloc. Freeing NULL does nothing; freeing a pointer
// that is not a live block is detected and reported by returning false.
bool heap_free(struct heap *heap, void *ptr);

// The payload size of a live block (what heap_alloc rounded `size` up to).
size_t heap_block_size(const void *ptr);

// Bytes in free blocks, and the largest single one.
size_t heap_free_bytes(const struct heap *heap);
size_t heap_largest_free(const struct heap *heap);

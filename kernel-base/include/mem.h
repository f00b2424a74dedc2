// The memory interface: the kernel heap in the kernel, malloc on the host,
// with the same counters in both so a test can check what a path allocates.
// Never call these from interrupt context (they panic if you do).
#pragma once

#include <stddef.h>

// 16-byte aligned, or NULL when the heap is exhausted, size is 0, or a
// failure was injected.
void *kmalloc(size_t size);
// Zeroed; NULL on exhaustion or when count * size overflows.
void *kcalloc(size_t count, size_t size);
// kfree(NULL) does nothing.
void kfree(void *ptr);

struct mem_stats {
    size_t live_allocations; // kmalloc'd and not yet kfree'd
    size_t bytes_in_use;     // bytes held by live allocations, each rounded up to 16
    size_t total_allocations;
    size_t failed_allocations;
};

struct mem_stats mem_stats(void);

// Make the allocation after the next `successes` ones fail (and every one
// after it until mem_inject_failure(-1) turns injection off). For tests.
void mem_inject_failure(long successes);

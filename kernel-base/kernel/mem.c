// kmalloc and friends over the kernel heap, which takes the largest usable
// RAM region that the Multiboot memory map reports above the kernel image.
#include "mem.h"

#include "boot.h"
#include "boot_info.h"
#include "cpu.h"
#include "heap.h"
#include "panic.h"

static struct heap heap;
static struct mem_stats stats;
static long failure_countdown = -1;

void mem_init(void)
{
    struct memory_region r = boot_heap_region();
    if (!heap_init(&heap, (void *)(uintptr_t)r.start, r.length))
        panic("no usable memory for the heap");
}

void mem_inject_failure(long successes) { failure_countdown = successes; }

void *kmalloc(size_t size)
{
    if (cpu_in_interrupt())
        panic("kmalloc(%zu) in interrupt context", size);
    void *p = 0;
    if (failure_countdown != 0)
        p = heap_alloc(&heap, size);
    if (failure_countdown > 0)
        failure_countdown--;
    if (!p) {
        stats.failed_allocations++;
        return 0;
    }
    stats.live_allocations++;
    stats.total_allocations++;
    stats.bytes_in_use += heap_block_size(p);
    return p;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    if (cpu_in_interrupt())
        panic("kfree(%p) in interrupt context", ptr);
    size_t in_use = heap.bytes_in_use;
    if (!heap_free(&heap, ptr))
        panic("kfree(%p): not a live heap block (double free?)", ptr);
    stats.live_allocations--;
    stats.bytes_in_use -= in_use - heap.bytes_in_use;
}

struct mem_stats mem_stats(void) { return stats; }

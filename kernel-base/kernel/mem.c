// The kernel's memory for kmalloc (lib/mem.c): a heap over the largest usable
// RAM region that the Multiboot memory map reports above the kernel image.
#include "mem_backend.h"

#include "boot.h"
#include "boot_info.h"
#include "heap.h"
#include "panic.h"
#ifdef SMP
#include "spinlock.h"
#endif

static struct heap heap;

#ifdef SMP
// Two CPUs may allocate at once: the heap's free list is walked and changed
// under a ticket lock, with interrupts off (kmalloc never runs in a handler).
static struct spinlock lock;
static bool heap_lock(void) { return spin_lock_irqsave(&lock); }
static void heap_unlock(bool was_enabled) { spin_unlock_irqrestore(&lock, was_enabled); }
#else
static bool heap_lock(void) { return false; }
static void heap_unlock(bool was_enabled) { (void)was_enabled; }
#endif

void mem_init(void)
{
    struct memory_region r = boot_heap_region();
    if (!heap_init(&heap, (void *)(uintptr_t)r.start, r.length))
        panic("no usable memory for the heap");
}

void *mem_backend_alloc(size_t size)
{
    bool was_enabled = heap_lock();
    void *p = heap_alloc(&heap, size);
    heap_unlock(was_enabled);
    return p;
}

size_t mem_backend_size(const void *ptr) { return heap_block_size(ptr); }

size_t mem_backend_free(void *ptr)
{
    bool was_enabled = heap_lock();
    size_t in_use = heap.bytes_in_use;
    bool freed = heap_free(&heap, ptr);
    size_t size = in_use - heap.bytes_in_use;
    heap_unlock(was_enabled);
    if (!freed)
        panic("kfree(%p): not a live heap block (double free?)", ptr);
    return size;
}

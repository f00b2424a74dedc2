// The kernel's memory for kmalloc (lib/mem.c): a heap over the largest usable
// RAM region that the Multiboot memory map reports above the kernel image.
#include "mem_backend.h"

#include "boot.h"
#include "boot_info.h"
#include "heap.h"
#include "panic.h"

static struct heap heap;

void mem_init(void)
{
    struct memory_region r = boot_heap_region();
    if (!heap_init(&heap, (void *)(uintptr_t)r.start, r.length))
        panic("no usable memory for the heap");
}

void *mem_backend_alloc(size_t size) { return heap_alloc(&heap, size); }

size_t mem_backend_size(const void *ptr) { return heap_block_size(ptr); }

size_t mem_backend_free(void *ptr)
{
    size_t in_use = heap.bytes_in_use;
    if (!heap_free(&heap, ptr))
        panic("kfree(%p): not a live heap block (double free?)", ptr);
    return in_use - heap.bytes_in_use;
}

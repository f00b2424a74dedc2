// First-fit allocator: a list of free blocks sorted by address. Freeing puts
// a block back in order and merges it with free neighbours, so freed memory
// is reused and the heap does not crumble into pieces.
#include "heap.h"

// Every block starts with a header; the payload follows it, aligned.
struct heap_block_header {
    size_t size;    // payload bytes
    uint64_t magic; // HEAP_USED while allocated: catches bad and double frees
};

struct heap_free_block {
    size_t size; // payload bytes, as in the header it overlays
    struct heap_free_block *next;
};

#define HEADER_SIZE sizeof(struct heap_block_header)
#define HEAP_USED   0x6b6d616c6c6f6321ull // "kmalloc!"

_Static_assert(sizeof(struct heap_block_header) % HEAP_ALIGN == 0, "header keeps alignment");
_Static_assert(sizeof(struct heap_free_block) <= HEADER_SIZE, "free block fits in a header");

static uintptr_t align_up(uintptr_t value)
{
    return (value + HEAP_ALIGN - 1) & ~(uintptr_t)(HEAP_ALIGN - 1);
}

bool heap_init(struct heap *heap, void *base, size_t size)
{
    uintptr_t start = align_up((uintptr_t)base);
    uintptr_t end = ((uintptr_t)base + size) & ~(uintptr_t)(HEAP_ALIGN - 1);
    heap->free_list = NULL;
    heap->live_allocations = 0;
    heap->bytes_in_use = 0;
    heap->start = heap->end = start;
    if ((uintptr_t)base + size < (uintptr_t)base || end <= start || end - start < 2 * HEADER_SIZE)
        return false;
    heap->end = end;
    heap->free_list = (struct heap_free_block *)start;
    heap->free_list->size = end - start - HEADER_SIZE;
    heap->free_list->next = NULL;
    return true;
}

void *heap_alloc(struct heap *heap, size_t size)
{
    if (size == 0 || size > heap->end - heap->start)
        return NULL;
    size = align_up(size);
    for (struct heap_free_block **link = &heap->free_list; *link; link = &(*link)->next) {
        struct heap_free_block *block = *link;
        if (block->size < size)
            continue;
        if (block->size >= size + HEADER_SIZE + HEAP_ALIGN) {
            // Split: the tail stays free.
            struct heap_free_block *rest = (void *)((char *)block + HEADER_SIZE + size);
            rest->size = block->size - size - HEADER_SIZE;
            rest->next = block->next;
            *link = rest;
            block->size = size;
        } else {
            *link = block->next;
        }
        struct heap_block_header *header = (void *)block;
        header->magic = HEAP_USED;
        heap->live_allocations++;
        heap->bytes_in_use += header->size;
        return (char *)header + HEADER_SIZE;
    }
    return NULL;
}

static char *block_end(struct heap_free_block *block)
{
    return (char *)block + HEADER_SIZE + block->size;
}

bool heap_free(struct heap *heap, void *ptr)
{
    if (!ptr)
        return true;
    uintptr_t addr = (uintptr_t)ptr;
    if (addr < heap->start + HEADER_SIZE || addr >= heap->end || addr % HEAP_ALIGN)
        return false;
    struct heap_block_header *header = (void *)(addr - HEADER_SIZE);
    if (header->magic != HEAP_USED)
        return false;
    header->magic = 0;
    heap->live_allocations--;
    heap->bytes_in_use -= header->size;

    struct heap_free_block *block = (void *)header;
    struct heap_free_block *prev = NULL, *next = heap->free_list;
    while (next && next < block) {
        prev = next;
        next = next->next;
    }
    block->next = next;
    if (next && block_end(block) == (char *)next) {
        block->size += HEADER_SIZE + next->size;
        block->next = next->next;
    }
    if (prev && block_end(prev) == (char *)block) {
        prev->size += HEADER_SIZE + block->size;
        prev->next = block->next;
    } else if (prev) {
        prev->next = block;
    } else {
        heap->free_list = block;
    }
    return true;
}

size_t heap_block_size(const void *ptr)
{
    return ((const struct heap_block_header *)ptr - 1)->size;
}

size_t heap_free_bytes(const struct heap *heap)
{
    size_t total = 0;
    for (const struct heap_free_block *b = heap->free_list; b; b = b->next)
        total += b->size;
    return total;
}

size_t heap_largest_free(const struct heap *heap)
{
    size_t largest = 0;
    for (const struct heap_free_block *b = heap->free_list; b; b = b->next)
        if (b->size > largest)
            largest = b->size;
    return largest;
}

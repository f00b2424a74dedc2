// The host's memory for kmalloc (lib/mem.c): malloc, with each block's size
// kept in front of it so that kfree can count it and catch bad frees.
#include <stdint.h>
#include <stdlib.h>

#include "mem_backend.h"
#include "panic.h"
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

struct header {
    size_t size; // rounded up to 16, as the kernel heap does
    uint64_t magic;
};

#define LIVE      0x686f73746d656d21ull // "hostmem!"
#define TOO_LARGE ((size_t)1 << 40)     // no test wants more; saves size + header from overflowing

void *mem_backend_alloc(size_t size)
{
    if (size > TOO_LARGE)
        return NULL;
    size = (size + 15) & ~(size_t)15;
    struct header *h = aligned_alloc(16, sizeof *h + size);
    if (!h)
        return NULL;
    *h = (struct header){size, LIVE};
    // cppcheck-suppress memleak ; mem_backend_free frees it, through ptr - 1
    return h + 1;
}

size_t mem_backend_size(const void *ptr) { return ((const struct header *)ptr - 1)->size; }

size_t mem_backend_free(void *ptr)
{
    struct header *h = (struct header *)ptr - 1;
#ifdef __SANITIZE_ADDRESS__
    // A freed header is poisoned: reading it would stop the test inside ASan
    // before our own, clearer, message.
    if (__asan_address_is_poisoned(h))
        panic("kfree(%p): not a live kmalloc block (double free?)", ptr);
#endif
    if (h->magic != LIVE)
        panic("kfree(%p): not a live kmalloc block (double free?)", ptr);
    h->magic = 0;
    size_t size = h->size;
    free(h);
    return size;
}

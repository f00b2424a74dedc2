// kmalloc on the host: malloc with the kernel's counters and its rules
// (16-byte alignment, no allocation in interrupt context, size 0 is NULL).
#include <stdint.h>
#include <stdlib.h>

#include "cpu.h"
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif
#include "mem.h"
#include "panic.h"

// Each block carries its rounded size in front, so kfree can count it.
struct header {
    size_t size;
    uint64_t magic;
};

#define LIVE 0x686f73746d656d21ull // "hostmem!"

static struct mem_stats stats;
static long failure_countdown = -1;

void mem_inject_failure(long successes) { failure_countdown = successes; }

void *kmalloc(size_t size)
{
    if (cpu_in_interrupt())
        panic("kmalloc(%zu) in interrupt context", size);
    bool fail = failure_countdown == 0 || size == 0 || size > ((size_t)1 << 40);
    if (failure_countdown > 0)
        failure_countdown--;
    size = (size + 15) & ~(size_t)15;
    struct header *h = fail ? NULL : aligned_alloc(16, sizeof *h + size);
    if (!h) {
        stats.failed_allocations++;
        return NULL;
    }
    *h = (struct header){size, LIVE};
    stats.live_allocations++;
    stats.total_allocations++;
    stats.bytes_in_use += size;
    return h + 1;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    if (cpu_in_interrupt())
        panic("kfree(%p) in interrupt context", ptr);
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
    stats.live_allocations--;
    stats.bytes_in_use -= h->size;
    free(h);
}

struct mem_stats mem_stats(void) { return stats; }

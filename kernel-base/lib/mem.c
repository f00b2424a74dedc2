// kmalloc's rules and counters, the same in the kernel and on the host; the
// memory itself comes from mem_backend.h.
#include <stdint.h>

#include "cpu.h"
#include "kstring.h"
#include "mem.h"
#include "mem_backend.h"
#include "panic.h"

static struct mem_stats stats;
static long failure_countdown = -1; // allocations left before injected failures; -1: none

void mem_inject_failure(long successes) { failure_countdown = successes; }

void *kmalloc(size_t size)
{
    if (cpu_in_interrupt())
        panic("kmalloc(%zu) in interrupt context", size);
    bool injected = failure_countdown == 0;
    if (failure_countdown > 0)
        failure_countdown--;
    void *p = injected || size == 0 ? NULL : mem_backend_alloc(size);
    if (!p) {
        stats.failed_allocations++;
        return NULL;
    }
    stats.live_allocations++;
    stats.total_allocations++;
    stats.bytes_in_use += mem_backend_size(p);
    return p;
}

void *kcalloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = kmalloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    if (cpu_in_interrupt())
        panic("kfree(%p) in interrupt context", ptr);
    size_t size = mem_backend_free(ptr); // checks ptr first
    stats.live_allocations--;
    stats.bytes_in_use -= size;
}

struct mem_stats mem_stats(void) { return stats; }

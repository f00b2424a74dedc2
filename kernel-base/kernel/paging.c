// Edits to the live page tables: boot.S identity-maps the first GiB (the
// first 2 MiB with 4 KiB pages, the rest with 2 MiB pages), which holds the
// kernel, its heap and the BIOS's tables, but not the devices at the top of
// the 4th GiB. Every table is reached from CR3; with paging's identity map a
// table's physical address is also its address.
#include "paging.h"

#include "panic.h"

#define PRESENT       (1ull << 0)
#define WRITABLE      (1ull << 1)
#define WRITE_THROUGH (1ull << 3)
#define NO_CACHE      (1ull << 4)
#define HUGE          (1ull << 7) // in a page directory: a 2 MiB page
#define ADDRESS       0x000FFFFFFFFFF000ull

// The page directory for the GiB of devices (3-4 GiB).
static uint64_t device_directory[512] __attribute__((aligned(4096)));

static uint64_t *table_at(uint64_t entry) { return (uint64_t *)(uintptr_t)(entry & ADDRESS); }

static uint64_t *pml4(void)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    return table_at(cr3);
}

static void invalidate(uint64_t addr) { __asm__ volatile("invlpg (%0)" ::"r"(addr) : "memory"); }

void paging_map_device(uint64_t phys)
{
    kassert(phys >= (1ull << 30) && phys < (4ull << 30));
    uint64_t *pdpt = table_at(pml4()[0]);
    uint64_t *gib = &pdpt[phys >> 30];
    if (!(*gib & PRESENT))
        *gib = (uint64_t)(uintptr_t)device_directory | PRESENT | WRITABLE;
    kassert(table_at(*gib) == device_directory);
    // Uncached: each read and write of a device register must reach the
    // device, in program order, not a cache line.
    uint64_t page = phys & ~((2ull << 20) - 1);
    device_directory[(phys >> 21) & 511] =
        page | PRESENT | WRITABLE | WRITE_THROUGH | NO_CACHE | HUGE;
    invalidate(page);
}

void paging_unmap_page(const void *addr)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;
    kassert(a < (2ull << 20) && a % 4096 == 0);
    uint64_t *directory = table_at(table_at(pml4()[0])[0]);
    kassert(!(directory[0] & HUGE));
    table_at(directory[0])[a >> 12] = 0;
    invalidate(a);
}

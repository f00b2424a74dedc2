// Changes to the page tables that boot.S built: device memory above the
// first GiB, and guard pages below stacks. Only before the other CPUs run:
// they would keep stale translations in their TLBs (no shootdown here).
#pragma once

#include <stdint.h>

// Identity-map the 2 MiB page that holds physical address `phys` (above the
// first GiB, below 4 GiB) as uncached device memory, for a controller's
// registers (the local APIC at 0xFEE00000).
void paging_map_device(uint64_t phys);

// Unmap the 4 KiB page at `addr` (in the first 2 MiB, which boot.S maps with
// 4 KiB pages): any access to it then faults.
void paging_unmap_page(const void *addr);

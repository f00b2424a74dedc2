// Facts shared by ap_boot.S and smp.c: where the other CPUs start, and what
// the trampoline needs to know to take them to 64-bit C.
#pragma once

// A CPU woken by a STARTUP IPI runs in 16-bit real mode at a page below
// 1 MiB that the IPI names; the trampoline is copied there.
#define AP_BOOT_ADDRESS 0x8000

#ifndef __ASSEMBLER__
#include <stdint.h>

// Filled in by smp.c before each STARTUP, read by the trampoline (ap_boot.S,
// at ap_boot_params): one CPU starts at a time.
struct ap_boot_params {
    uint64_t cr3;   // the page tables: CPU 0's
    uint64_t stack; // the top of this CPU's stack
    uint64_t entry; // the C function to call...
    uint64_t arg;   // ...with this argument
};

extern const char ap_boot_start[], ap_boot_params[], ap_boot_end[];
#endif

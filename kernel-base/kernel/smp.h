// Symmetric multiprocessing: finding the other CPUs, starting them, and the
// per-CPU area each one reaches through its GS base. SMP kernels only (a
// program's Makefile sets SMP := 1; kernel_entry then calls the two init
// functions, and `make run` and the QEMU tests boot two CPUs).
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

// Each CPU's own data. The GS base of a CPU holds the address of its entry,
// so code finds its own without knowing which CPU it runs on.
struct percpu {
    unsigned index; // first: cpu_index() reads it at %gs:0
    unsigned apic_id;
    _Atomic bool started;
    char *stack_guard; // the unmapped page below this CPU's stack
};

// Called by kernel_entry. First of all, on CPU 0: its per-CPU area, so that
// cpu_index() (and the console's lock) work from the first line printed.
void smp_init_boot_cpu(void);
// Once interrupts are on: CPU 0's local APIC and its timer, calibrated
// against the PIT; the other CPUs found in the ACPI tables, not started.
void smp_init(void);

// Start every other CPU, one at a time; each runs ap_main with interrupts
// enabled, on its own stack (a guard page below it), with its own GDT and TSS
// (its own double-fault stack), the shared IDT, and its local APIC timer
// ticking. Returns when all have started (panics if one does not within a
// second). Once, from CPU 0, in task context with interrupts enabled.
void smp_start_aps(void (*ap_main)(void));

// CPUs found by smp_init (1 with `-smp 1`), at most CPUS_MAX; all running
// after smp_start_aps.
unsigned smp_cpu_count(void);
unsigned smp_apic_id(unsigned cpu);
// Whether `addr` lies in the guard page below this CPU's stack.
bool smp_in_stack_guard(uint64_t addr);

// The 64-bit GDT with a TSS, whose IST1 stack the double-fault handler runs on;
// one of each per CPU.
#pragma once

#include <stdbool.h>

#define GDT_KERNEL_CODE  0x08
#define GDT_KERNEL_DATA  0x10
#define GDT_TSS          0x18
#define IST_DOUBLE_FAULT 1

// Load this CPU's GDT and TSS (cpu_index() says which CPU: on SMP kernels
// each CPU calls it for itself).
void gdt_init(void);

#ifdef SMP
// Whether `p` lies on this CPU's double-fault stack.
bool gdt_on_double_fault_stack(const void *p);
#endif

// The 64-bit GDT with a TSS, whose IST1 stack the double-fault handler runs on.
#pragma once

#define GDT_KERNEL_CODE  0x08
#define GDT_KERNEL_DATA  0x10
#define GDT_TSS          0x18
#define IST_DOUBLE_FAULT 1

void gdt_init(void);

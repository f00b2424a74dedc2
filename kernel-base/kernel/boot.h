// Facts shared by boot.S and C.
#pragma once

#define KERNEL_STACK_SIZE (64 * 1024)

#ifndef __ASSEMBLER__
#include <stdint.h>

extern char stack_guard[], stack_bottom[], stack_top[];
extern char kernel_start[], kernel_end[]; // from linker.ld

void kernel_entry(uint32_t multiboot_magic, uint32_t multiboot_info);
void mem_init(void);

// The program's own entry, called with interrupts enabled once the kernel is
// up: kernel-base's demo or a chapter's main.c defines it.
void kmain(void);
#endif

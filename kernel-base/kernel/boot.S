// Multiboot 1 entry: QEMU's -kernel loads us in 32-bit protected mode with
// paging off. We build page tables, switch to long mode and call kernel_entry.
#include "boot.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x3 // page-align modules, give us the memory map

// region: multiboot_header
.section .multiboot, "a"
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long -(MB_MAGIC + MB_FLAGS)
// endregion: multiboot_header

.section .bss
.align 4096
// The page tables: identity-map the first GiB. PD[0] points to a page table
// of 4 KiB pages so that page 0 (NULL) and the stack guard stay unmapped.
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4096
boot_pt:   .skip 4096
// Unmapped: a stack overflow touches it and faults instead of corrupting .bss.
.global stack_guard
stack_guard: .skip 4096
.global stack_bottom
stack_bottom: .skip KERNEL_STACK_SIZE
.global stack_top
stack_top:

.section .text
.code32
.global _start
_start:
    cli
    mov $stack_top, %esp
    mov %eax, %edi // multiboot magic: first argument of kernel_entry
    mov %ebx, %esi // multiboot info:  second argument

// region: page_tables
    // PML4[0] -> PDPT, PDPT[0] -> PD: present + writable.
    mov $boot_pdpt, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt

    // PD[0] -> the page table for the first 2 MiB; PD[1..511] -> 2 MiB pages.
    mov $boot_pt, %eax
    or $0x3, %eax
    mov %eax, boot_pd
    mov $1, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax // present + writable + huge (2 MiB)
    mov %eax, boot_pd(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    // PT[1..511] -> 4 KiB pages, except page 0 and the stack guard.
    mov $1, %ecx
2:  mov %ecx, %eax
    shl $12, %eax
    cmp $stack_guard, %eax
    je 3f
    or $0x3, %eax
    mov %eax, boot_pt(, %ecx, 8)
3:  inc %ecx
    cmp $512, %ecx
    jne 2b
// endregion: page_tables

// region: enter_long_mode
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $(1 << 5), %eax // PAE
    mov %eax, %cr4
    mov $0xC0000080, %ecx // EFER
    rdmsr
    or $(1 << 8), %eax // LME: long mode enable
    wrmsr
    mov %cr0, %eax
    or $(1 << 31), %eax // paging: with LME set, this activates long mode
    mov %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode
// endregion: enter_long_mode

.code64
// The first 64-bit code: for a debugger, the outermost frame (nothing called it).
.cfi_sections .debug_frame
long_mode:
    .cfi_startproc
    .cfi_undefined rip
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $stack_top, %rsp
    xor %ebp, %ebp // ends the frame-pointer chain for backtraces
    call kernel_entry
4:  cli
    hlt
    jmp 4b
    .cfi_endproc

// A minimal GDT to get into 64-bit mode; gdt.c replaces it with one that
// also has a TSS.
.section .rodata
.align 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF // 0x08: 64-bit code, ring 0
    .quad 0x00CF92000000FFFF // 0x10: data
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

.section .note.GNU-stack, "", @progbits

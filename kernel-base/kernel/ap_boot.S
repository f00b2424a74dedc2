// The trampoline: what another CPU (an "application processor", AP) runs
// after its STARTUP IPI, from real mode to long mode and into C. It is
// assembled here and copied to AP_BOOT_ADDRESS by smp.c, so every address in
// it is computed for where it runs (AT), not where it is linked; the CPU that
// runs it has no stack until the last step. The steps are boot.S's, with the
// page tables and the stack handed over by smp.c in ap_boot_params.
#include "ap_boot.h"

#define AT(label) (AP_BOOT_ADDRESS + (label) - ap_boot_start)

.section .rodata // data to copy, never executed where it lies
.align 16
.global ap_boot_start
ap_boot_start:

// region: ap_boot
.code16
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds // absolute addresses from here on: AT() is below 64 KiB
    lgdtl AT(gdt_pointer)
    mov %cr0, %eax
    or $1, %eax // protected mode
    mov %eax, %cr0
    ljmpl $0x08, $AT(protected_mode)

.code32
protected_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $(1 << 5), %eax // PAE
    mov %eax, %cr4
    mov AT(ap_boot_params), %eax // the first field: CR3
    mov %eax, %cr3
    mov $0xC0000080, %ecx // EFER
    rdmsr
    or $(1 << 8), %eax // long mode enable
    wrmsr
    mov %cr0, %eax
    // Paging on; and caches on: a CPU comes out of INIT with CR0.CD and NW set.
    or $(1 << 31), %eax
    and $~((1 << 30) | (1 << 29)), %eax
    mov %eax, %cr0
    ljmp $0x18, $AT(long_mode)

.code64
long_mode:
    xor %eax, %eax // data segments are ignored in long mode: null will do
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov AT(ap_boot_params + 8), %rsp  // stack
    mov AT(ap_boot_params + 24), %rdi // arg
    xor %ebp, %ebp // ends the frame-pointer chain for backtraces
    call *AT(ap_boot_params + 16)     // entry: never returns
1:  cli
    hlt
    jmp 1b
// endregion: ap_boot

// Its own GDT: boot.S's has no 32-bit code segment to pass through.
.align 8
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF // 0x08: 32-bit code
    .quad 0x00CF92000000FFFF // 0x10: data
    .quad 0x00AF9A000000FFFF // 0x18: 64-bit code
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .long AT(gdt)

.align 8
.global ap_boot_params
ap_boot_params:
    .skip 32 // struct ap_boot_params

.global ap_boot_end
ap_boot_end:

.section .note.GNU-stack, "", @progbits

// Interrupt entry stubs. Each pushes a dummy error code when the CPU does not
// push one, then its vector, so every frame has the same layout
// (struct interrupt_frame), and jumps to the common path.
#define NO_ERROR(vector) .global isr##vector; isr##vector: pushq $0; pushq $vector; jmp isr_common
#define ERROR(vector) .global isr##vector; isr##vector: pushq $vector; jmp isr_common

.section .text
.code64
NO_ERROR(0)
NO_ERROR(1)
NO_ERROR(2)
NO_ERROR(3)
NO_ERROR(4)
NO_ERROR(5)
NO_ERROR(6)
NO_ERROR(7)
ERROR(8)
NO_ERROR(9)
ERROR(10)
ERROR(11)
ERROR(12)
ERROR(13)
ERROR(14)
NO_ERROR(15)
NO_ERROR(16)
ERROR(17)
NO_ERROR(18)
NO_ERROR(19)
NO_ERROR(20)
ERROR(21)
NO_ERROR(22)
NO_ERROR(23)
NO_ERROR(24)
NO_ERROR(25)
NO_ERROR(26)
NO_ERROR(27)
NO_ERROR(28)
ERROR(29)
ERROR(30)
NO_ERROR(31)
NO_ERROR(32)
NO_ERROR(33)
NO_ERROR(34)
NO_ERROR(35)
NO_ERROR(36)
NO_ERROR(37)
NO_ERROR(38)
NO_ERROR(39)
NO_ERROR(40)
NO_ERROR(41)
NO_ERROR(42)
NO_ERROR(43)
NO_ERROR(44)
NO_ERROR(45)
NO_ERROR(46)
NO_ERROR(47)
#ifdef SMP
// The local APIC's vectors (lapic.h): its timer, IPIs, spurious.
NO_ERROR(48)
NO_ERROR(49)
NO_ERROR(255)
#endif

// The CPU aligned the stack to 16 bytes before pushing its 5-word frame; with
// the error code, the vector and 15 registers the total stays a multiple of
// 16, as the C calling convention wants at the call.
isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    mov %rsp, %rdi
    call interrupt_dispatch
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp // the vector and the error code
    iretq

.section .rodata
.align 8
.global isr_table
isr_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .quad isr\v
.endr

.section .note.GNU-stack, "", @progbits

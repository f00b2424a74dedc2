// The IDT: the 32 CPU exceptions and the 16 legacy IRQs (vectors 32-47);
// in SMP kernels also the local APIC's (lapic.h). All CPUs share it.
// Exceptions are reported and stop the kernel, except int3, which reports and
// continues. IRQ handlers run with interrupts disabled and must not allocate,
// lock or block; the end-of-interrupt is sent for them.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define IRQ_BASE     32
#define IRQ_TIMER    0
#define IRQ_KEYBOARD 1

// The registers saved on entry, in the order isr.S pushes them (reversed).
struct interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; // pushed by the CPU
};

// Build the IDT, load it on this CPU and set up the PIC.
void interrupts_init(void);
// Load the IDT on this CPU (SMP: the other CPUs share CPU 0's).
void interrupts_init_cpu(void);

// Install the handler for legacy IRQ `irq` (0-15) and unmask the line.
void interrupts_set_irq_handler(unsigned irq, irq_handler handler);

// How many interrupts a vector has taken: exceptions by vector, IRQs through
// irq_count (spurious ones are counted by irq_spurious_count instead).
uint64_t interrupts_count(unsigned vector);


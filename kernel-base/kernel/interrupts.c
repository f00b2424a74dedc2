// The IDT, exception reports and IRQ dispatch.
#include "interrupts.h"

#include "boot.h"
#include "cpu.h"
#include "gdt.h"
#include "irq.h"
#include "katomic.h"
#include "kprintf.h"
#include "panic.h"
#include "pic.h"
#ifdef SMP
#include "lapic.h"
#include "smp.h"
#endif

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; // present, ring 0, 64-bit interrupt gate (clears IF on entry)
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define VECTORS 48
extern const uint64_t isr_table[VECTORS]; // isr.S

static struct idt_entry idt[256];
// Exceptions taken, per vector (IRQs are counted by irq.c). Written in
// interrupt context, read anywhere: atomics, relaxed because they only count.
static _Atomic uint64_t exception_counts[32];
// Handlers running on each CPU; 0 in task context. Changed only by interrupt
// context on its own CPU, which puts it back before it returns, so a relaxed
// read from task context always sees 0 and one from a handler sees its own
// depth: a handler on another CPU touches another entry.
_Atomic unsigned cpu_interrupt_depth[CPUS_MAX];

static const char *const names[32] = {
    "Divide Error",
    "Debug",
    "Non-Maskable Interrupt",
    "Breakpoint",
    "Overflow",
    "BOUND Range Exceeded",
    "Invalid Opcode",
    "Device Not Available",
    "Double Fault",
    "Coprocessor Segment Overrun",
    "Invalid TSS",
    "Segment Not Present",
    "Stack-Segment Fault",
    "General Protection Fault",
    "Page Fault",
    "Reserved",
    "x87 Floating-Point Error",
    "Alignment Check",
    "Machine Check",
    "SIMD Floating-Point Error",
    "Virtualization Error",
    "Control Protection Error",
    "Reserved",
    "Reserved",
    "Reserved",
    "Reserved",
    "Reserved",
    "Reserved",
    "Hypervisor Injection",
    "VMM Communication",
    "Security Exception",
    "Reserved",
};

static void idt_set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_entry){
        .offset_low = handler & 0xFFFF,
        .selector = GDT_KERNEL_CODE,
        .ist = ist,
        .type = 0x8E,
        .offset_mid = (handler >> 16) & 0xFFFF,
        .offset_high = handler >> 32,
    };
}

#ifdef SMP
extern const char isr48[], isr49[], isr255[]; // isr.S
#endif

void interrupts_init(void)
{
    for (unsigned v = 0; v < VECTORS; v++)
        idt_set_gate(v, isr_table[v], v == 8 ? IST_DOUBLE_FAULT : 0);
#ifdef SMP
    idt_set_gate(LAPIC_TIMER_VECTOR, (uint64_t)isr48, 0);
    idt_set_gate(IPI_VECTOR, (uint64_t)isr49, 0);
    idt_set_gate(LAPIC_SPURIOUS_VECTOR, (uint64_t)isr255, 0);
#endif
    interrupts_init_cpu();
    pic_init(IRQ_BASE);
}

void interrupts_init_cpu(void)
{
    struct idt_pointer pointer = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(pointer));
}

void interrupts_set_irq_handler(unsigned irq, irq_handler handler)
{
    irq_set_handler(irq, handler); // published before the line is unmasked
    pic_unmask(irq);
}

uint64_t interrupts_count(unsigned vector)
{
    if (vector < 32)
        return katomic_load(&exception_counts[vector], memory_order_relaxed);
    return vector < VECTORS ? irq_count(vector - IRQ_BASE) : 0;
}

static uint64_t read_cr2(void)
{
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    return cr2;
}

static void print_registers(const struct interrupt_frame *f)
{
    kprintf("  RIP %016lx  RSP %016lx  RFLAGS %016lx\n", f->rip, f->rsp, f->rflags);
    kprintf("  RAX %016lx  RBX %016lx  RCX %016lx\n", f->rax, f->rbx, f->rcx);
    kprintf("  RDX %016lx  RSI %016lx  RDI %016lx\n", f->rdx, f->rsi, f->rdi);
    kprintf("  RBP %016lx  R8  %016lx  R9  %016lx\n", f->rbp, f->r8, f->r9);
}

static bool in_stack_guard(uint64_t addr)
{
#ifdef SMP
    return smp_in_stack_guard(addr); // this CPU's
#else
    return addr >= (uint64_t)stack_guard && addr < (uint64_t)stack_bottom;
#endif
}

static void exception(struct interrupt_frame *f)
{
    unsigned v = f->vector;
    if (v == 3) {
        // int3 leaves RIP after itself, so returning simply continues.
        kprintf("Breakpoint (int3) at RIP %p: continuing\n", (void *)f->rip);
        return;
    }
    kprintf("\nEXCEPTION %u: %s, error code %#lx\n", v, names[v], f->error_code);
    print_registers(f);
    if (v == 14) {
        uint64_t cr2 = read_cr2();
        uint64_t e = f->error_code;
        panic("Page Fault at RIP %p: CR2 %p (%s, %s%s)", (void *)f->rip, (void *)cr2,
              e & 1 ? "protection violation" : "page not present", e & 2 ? "write" : "read",
              e & 16 ? ", instruction fetch" : "");
    }
#ifdef SMP
    // Which CPU, and whether the handler runs on that CPU's own stack for
    // double faults (its TSS's IST1): f lies on the stack the CPU switched to.
    if (v == 8 && in_stack_guard(read_cr2()))
        panic("Double Fault on CPU %u, %s: kernel stack overflow (CR2 %p is in the stack guard "
              "page)",
              cpu_index(),
              gdt_on_double_fault_stack(f) ? "on its own double-fault stack"
                                           : "NOT on its own double-fault stack",
              (void *)read_cr2());
#else
    if (v == 8 && in_stack_guard(read_cr2()))
        panic("Double Fault: kernel stack overflow (CR2 %p is in the stack guard page)",
              (void *)read_cr2());
#endif
    panic("%s (vector %u, error code %#lx) at RIP %p", names[v], v, f->error_code, (void *)f->rip);
}

// region: irq_dispatch
static void irq(unsigned n)
{
    if (pic_is_spurious(n)) {
        irq_note_spurious();
        return;
    }
    irq_dispatch(n);
    pic_eoi(n);
}

// An exception belongs to the code that raised it (a task, or a handler):
// only an IRQ makes the CPU be "in an interrupt handler".
void interrupt_dispatch(struct interrupt_frame *frame);
void interrupt_dispatch(struct interrupt_frame *frame)
{
    if (frame->vector < 32) { // an exception belongs to the code that raised it
        katomic_fetch_add(&exception_counts[frame->vector], 1, memory_order_relaxed);
        exception(frame);
        return;
    }
    _Atomic unsigned *depth = &cpu_interrupt_depth[cpu_index()];
    katomic_fetch_add(depth, 1, memory_order_relaxed);
#ifdef SMP
    if (frame->vector >= LAPIC_TIMER_VECTOR)
        lapic_interrupt(frame->vector); // the local APIC's own (SMP kernels)
    else
#endif
        irq(frame->vector - IRQ_BASE);
    katomic_fetch_sub(depth, 1, memory_order_relaxed);
}
// endregion: irq_dispatch

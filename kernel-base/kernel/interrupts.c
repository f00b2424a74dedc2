// The IDT, exception reports and IRQ dispatch.
#include "interrupts.h"

#include "boot.h"
#include "cpu.h"
#include "gdt.h"
#include "kprintf.h"
#include "panic.h"
#include "pic.h"

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
static void (*irq_handlers[16])(void);
static uint64_t counts[VECTORS];
static uint64_t spurious;
// Depth of nested handlers; task context when 0. Only touched with IF clear.
static unsigned interrupt_depth;

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

const char *exception_name(unsigned vector) { return vector < 32 ? names[vector] : "IRQ"; }

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

// region: idt_init
void interrupts_init(void)
{
    for (unsigned v = 0; v < VECTORS; v++)
        idt_set_gate(v, isr_table[v], v == 8 ? IST_DOUBLE_FAULT : 0);
    struct idt_pointer pointer = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(pointer));
    pic_init(IRQ_BASE);
}
// endregion: idt_init

void irq_set_handler(unsigned irq, void (*handler)(void))
{
    kassert(irq < 16);
    irq_handlers[irq] = handler;
    pic_unmask(irq);
}

uint64_t interrupts_count(unsigned vector) { return vector < VECTORS ? counts[vector] : 0; }

uint64_t interrupts_spurious_count(void) { return spurious; }

bool cpu_in_interrupt(void) { return interrupt_depth > 0; }

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
    return addr >= (uint64_t)stack_guard && addr < (uint64_t)stack_bottom;
}

// region: exception_report
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
    if (v == 8 && in_stack_guard(read_cr2()))
        panic("Double Fault: kernel stack overflow (CR2 %p is in the stack guard page)",
              (void *)read_cr2());
    panic("%s (vector %u, error code %#lx) at RIP %p", names[v], v, f->error_code, (void *)f->rip);
}
// endregion: exception_report

// region: irq_dispatch
static void irq(unsigned n)
{
    if (pic_is_spurious(n)) {
        spurious++;
        return;
    }
    if (irq_handlers[n])
        irq_handlers[n]();
    pic_eoi(n);
}

void interrupt_dispatch(struct interrupt_frame *frame);
void interrupt_dispatch(struct interrupt_frame *frame)
{
    interrupt_depth++;
    counts[frame->vector]++;
    if (frame->vector < 32)
        exception(frame);
    else
        irq(frame->vector - IRQ_BASE);
    interrupt_depth--;
}
// endregion: irq_dispatch

// The GDT and TSS. Long mode ignores segment bases and limits; the GDT is
// still needed for the code segment's mode bits and to point at the TSS,
// whose interrupt stack table gives the double-fault handler a good stack
// even when the kernel stack has overflowed. Each CPU has its own of all
// three (a TSS describes one CPU's stacks, and is marked busy in its GDT).
#include <stdint.h>

#include "cpu.h"
#include "gdt.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct tss tsses[CPUS_MAX];
static uint8_t double_fault_stacks[CPUS_MAX][16 * 1024] __attribute__((aligned(16)));
// null, code, data, then the TSS descriptor, which takes two slots.
static uint64_t gdts[CPUS_MAX][5];

static void set_tss_descriptor(uint64_t *slot, struct tss *t)
{
    uint64_t base = (uint64_t)t, limit = sizeof *t - 1;
    slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) // present, 64-bit TSS
              | (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    slot[1] = base >> 32;
}

// This CPU's GDT and TSS (cpu_index(): each CPU calls it for itself).
void gdt_init(void)
{
    unsigned cpu = cpu_index();
    uint64_t *gdt = gdts[cpu];
    struct tss *tss = &tsses[cpu];
    uint8_t *stack = double_fault_stacks[cpu];
    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFF; // 64-bit code, ring 0
    gdt[2] = 0x00CF92000000FFFF; // data
    tss->ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(stack + sizeof double_fault_stacks[cpu]);
    tss->iomap_base = sizeof *tss; // no I/O permission bitmap
    set_tss_descriptor(&gdt[3], tss);

    struct gdt_pointer pointer = {sizeof gdts[cpu] - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     // Reload CS with a far return, then the data segments.
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "ltr %3"
                     :
                     : "m"(pointer), "i"(GDT_KERNEL_CODE), "i"(GDT_KERNEL_DATA),
                       "r"((uint16_t)GDT_TSS)
                     : "rax", "memory");
}

#ifdef SMP
bool gdt_on_double_fault_stack(const void *p)
{
    const uint8_t *stack = double_fault_stacks[cpu_index()];
    return (const uint8_t *)p >= stack &&
           (const uint8_t *)p < stack + sizeof double_fault_stacks[0];
}
#endif

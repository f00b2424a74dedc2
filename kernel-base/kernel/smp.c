// Starting the other CPUs. At power-on only CPU 0 (the bootstrap processor)
// runs; the others (application processors, APs) wait for an INIT IPI, then
// a STARTUP IPI that names a page below 1 MiB where they start in 16-bit real
// mode. smp_start_aps copies the trampoline (ap_boot.S) there and starts the
// APs one by one; each climbs to long mode and calls ap_entry below, which
// gives it what every CPU needs of its own before it may take an interrupt.
#include "smp.h"

#include "acpi.h"
#include "ap_boot.h"
#include "boot.h"
#include "gdt.h"
#include "interrupts.h"
#include "katomic.h"
#include "kprintf.h"
#include "kstring.h"
#include "lapic.h"
#include "paging.h"
#include "panic.h"
#include "pit.h"

#define GS_BASE_MSR   0xC0000101
#define AP_STACK_SIZE (32 * 1024)

static struct percpu cpus[CPUS_MAX];
static unsigned cpu_count = 1;
static void (*ap_program)(void); // written before the first STARTUP IPI, read by the APs

// An AP's stack, with an unmapped guard page below it: an overflow faults
// (a double fault, on the CPU's own double-fault stack) instead of silently
// overwriting what lies below. The guard must lie in the first 2 MiB, the
// part of the map with 4 KiB pages (paging_unmap_page checks).
struct ap_stack {
    char guard[4096];
    char bytes[AP_STACK_SIZE];
};
static struct ap_stack ap_stacks[CPUS_MAX - 1] __attribute__((aligned(4096)));

_Static_assert(__builtin_offsetof(struct percpu, index) == 0, "cpu_index() reads %gs:0");

static void set_gs_base(struct percpu *cpu)
{
    uint64_t base = (uint64_t)(uintptr_t)cpu;
    __asm__ volatile("wrmsr" ::"c"(GS_BASE_MSR), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
}

void smp_init_boot_cpu(void)
{
    cpus[0].index = 0;
    cpus[0].stack_guard = stack_guard; // boot.S's
    set_gs_base(&cpus[0]);
}

void smp_init(void)
{
    lapic_init();
    cpus[0].apic_id = lapic_id();
    uint8_t ids[CPUS_MAX];
    unsigned found = acpi_find_cpus(ids, CPUS_MAX);
    for (unsigned i = 0; i < found && i < CPUS_MAX; i++)
        if (ids[i] != cpus[0].apic_id && cpu_count < CPUS_MAX)
            cpus[cpu_count++].apic_id = ids[i];
    if (found > CPUS_MAX)
        kprintf("smp: %u CPUs found, %u used (CPUS_MAX)\n", found, CPUS_MAX);
    for (unsigned i = 0; i < cpu_count; i++)
        cpus[i].index = i;
    lapic_timer_calibrate();
    lapic_timer_start();
}

unsigned smp_cpu_count(void) { return cpu_count; }

unsigned smp_apic_id(unsigned cpu)
{
    kassert(cpu < cpu_count);
    return cpus[cpu].apic_id;
}

bool smp_in_stack_guard(uint64_t addr)
{
    uint64_t guard = (uint64_t)(uintptr_t)cpus[cpu_index()].stack_guard;
    return addr >= guard && addr < guard + 4096;
}

// region: ap_entry
// Where the trampoline lands, on the AP's own stack, with interrupts off and
// nothing of its own yet: first the per-CPU area (so cpu_index() is right),
// then its GDT and TSS, the IDT that all CPUs share, its local APIC and
// timer. Only then is it started, and may take interrupts.
void ap_entry(struct percpu *cpu);
void ap_entry(struct percpu *cpu)
{
    set_gs_base(cpu);
    gdt_init();
    interrupts_init_cpu();
    lapic_init();
    lapic_timer_start();
    katomic_store(&cpu->started, true, memory_order_release);
    cpu_interrupts_enable();
    ap_program();
    kprintf("CPU %u: ap_main returned; halting\n", cpu->index);
    for (;;)
        cpu_halt();
}
// endregion: ap_entry

static bool started(unsigned i) { return katomic_load(&cpus[i].started, memory_order_acquire); }

// PIT ticks that last at least `ms` milliseconds, from any moment in a tick.
static uint64_t ticks_for_ms(unsigned ms) { return (uint64_t)ms * pit_hz() / 1000 + 2; }

// region: start_ap
// INIT, wait 10 ms, STARTUP, wait 200 us, STARTUP again if it has not
// started: the sequence Intel's MP specification gives (a second STARTUP is
// ignored by a CPU that is already running). The waits are counted in PIT
// ticks, the clock there is, so they last up to two ticks longer.
static void start_ap(unsigned i)
{
    struct ap_stack *stack = &ap_stacks[i - 1];
    if ((uintptr_t)stack->guard >= (2u << 20))
        panic("CPU %u's stack guard %p is above 2 MiB (boot.S's 4 KiB pages): .bss is too big", i,
              (void *)stack->guard);
    paging_unmap_page(stack->guard);
    cpus[i].stack_guard = stack->guard;

    struct ap_boot_params *params =
        (void *)(uintptr_t)(AP_BOOT_ADDRESS + (ap_boot_params - ap_boot_start));
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    *params = (struct ap_boot_params){
        .cr3 = cr3,
        .stack = (uint64_t)(uintptr_t)(stack->bytes + sizeof stack->bytes),
        .entry = (uint64_t)(uintptr_t)ap_entry,
        .arg = (uint64_t)(uintptr_t)&cpus[i],
    };

    lapic_send_init(cpus[i].apic_id);
    pit_sleep_until(pit_ticks() + ticks_for_ms(10));
    lapic_send_startup(cpus[i].apic_id, AP_BOOT_ADDRESS);
    pit_sleep_until(pit_ticks() + ticks_for_ms(1));
    if (!started(i))
        lapic_send_startup(cpus[i].apic_id, AP_BOOT_ADDRESS);
    uint64_t deadline = pit_ticks() + ticks_for_ms(1000);
    while (!started(i) && pit_ticks() < deadline)
        pit_sleep_until(pit_ticks() + 1);
    if (!started(i))
        panic("CPU %u (local APIC id %u) did not start", i, cpus[i].apic_id);
}
// endregion: start_ap

void smp_start_aps(void (*ap_main)(void))
{
    kassert(cpu_index() == 0 && cpu_interrupts_enabled() && !ap_program);
    ap_program = ap_main;
    memcpy((void *)AP_BOOT_ADDRESS, ap_boot_start, (size_t)(ap_boot_end - ap_boot_start));
    for (unsigned i = 1; i < cpu_count; i++)
        start_ap(i);
}

// The local APIC (xAPIC: registers in a page of memory at 0xFEE00000, the
// same address on every CPU, each CPU reaching its own). SMP kernels use it
// for what the PIC cannot do: a timer per CPU, and interrupts between CPUs.
// Device IRQs stay on the 8259 PIC, passed to CPU 0 through its LINT0 pin:
// the IOAPIC could route them anywhere, but all the workbook wants is CPU 0,
// which the PIC already does, with its EOI and spurious-IRQ rules unchanged
// and no interrupt-routing tables to read.
#include "lapic.h"

#include "cpu.h"
#include "katomic.h"
#include "paging.h"
#include "panic.h"
#include "pit.h"
#include "smp.h"

#define APIC_BASE_MSR 0x1B

// Register offsets, in bytes; each register is 32 bits on a 16-byte line.
#define ID                     0x020
#define TPR                    0x080 // task priority: 0 lets every vector in
#define EOI                    0x0B0
#define SVR                    0x0F0 // spurious vector, and the software enable bit
#define ESR                    0x280 // error status
#define ICR_LOW                0x300 // interrupt command: writing it sends
#define ICR_HIGH               0x310 // the destination's APIC id, in bits 24-31
#define LVT_TIMER              0x320
#define LVT_LINT0              0x350
#define LVT_LINT1              0x360
#define LVT_ERROR              0x370
#define TIMER_INITIAL          0x380
#define TIMER_CURRENT          0x390
#define TIMER_DIVIDE           0x3E0

#define SVR_ENABLE             (1u << 8)
#define LVT_MASKED             (1u << 16)
#define LVT_PERIODIC           (1u << 17)
#define LVT_EXTINT             (7u << 8)
#define LVT_NMI                (4u << 8)
#define ICR_INIT               (5u << 8)
#define ICR_STARTUP            (6u << 8)
#define ICR_PENDING            (1u << 12)
#define ICR_ASSERT             (1u << 14)
#define DIVIDE_BY_16           0x3
#define CALIBRATION_PIT_COUNTS 11932 // 10 ms a round
#define CALIBRATION_ROUNDS     5

static volatile uint32_t *registers; // set by CPU 0's lapic_init, before any other CPU runs
static uint32_t period;              // counts per tick; set before any timer starts

// Written by each CPU's own handlers, read anywhere: relaxed counters.
static _Atomic uint64_t timer_ticks[CPUS_MAX], ipis[CPUS_MAX], spurious;
// Published by task context (release), called by handlers (acquire).
static _Atomic(lapic_timer_hook) timer_hook;
static _Atomic(ipi_handler) ipi_hook;

static uint32_t lapic_read(unsigned reg) { return registers[reg / 4]; }
static void lapic_write(unsigned reg, uint32_t value) { registers[reg / 4] = value; }

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

// region: lapic_init
void lapic_init(void)
{
    bool first = cpu_index() == 0;
    if (first) {
        uint64_t base = rdmsr(APIC_BASE_MSR) & 0xFFFFFF000ull;
        paging_map_device(base);
        registers = (volatile uint32_t *)(uintptr_t)base;
    }
    lapic_write(TPR, 0);
    // Virtual wire on CPU 0: its LINT0 pin takes the PIC's interrupt request
    // as "ExtINT" (the CPU asks the PIC for the vector, as without an APIC),
    // LINT1 the NMI line. Masked elsewhere, or the PIC's IRQs could land on
    // any CPU.
    lapic_write(LVT_LINT0, first ? LVT_EXTINT : LVT_MASKED);
    lapic_write(LVT_LINT1, first ? LVT_NMI : LVT_MASKED);
    lapic_write(LVT_ERROR, LVT_MASKED);
    lapic_write(LVT_TIMER, LVT_MASKED);
    lapic_write(ESR, 0); // reading the errors takes a write first
    (void)lapic_read(ESR);
    lapic_write(SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
    lapic_write(EOI, 0); // anything left in service from before
}
// endregion: lapic_init

unsigned lapic_id(void) { return lapic_read(ID) >> 24; }

// region: lapic_timer
// Each local APIC's timer counts down from an initial count at a rate that
// differs from machine to machine (a divided bus clock), so the PIT, whose
// rate is known, measures it: start both counting down, read both, wait,
// read both again. Each pair is read back to back, so it is right even if
// this CPU stops for a while in between, as QEMU's thread for it does when
// the host is busy: waiting until a given time and then reading would count
// the stop too. The median of a few rounds drops one that was not.
static uint32_t timer_hz(void)
{
    for (;;) {
        pit_countdown_start();
        lapic_write(TIMER_INITIAL, UINT32_MAX);
        uint16_t pit_start = pit_countdown_read();
        uint32_t lapic_start = lapic_read(TIMER_CURRENT);
        uint16_t pit_now;
        uint32_t lapic_now;
        do {
            pit_now = pit_countdown_read();
            lapic_now = lapic_read(TIMER_CURRENT);
        } while (pit_start - pit_now < CALIBRATION_PIT_COUNTS && !pit_countdown_over());
        if (!pit_countdown_over()) // else it ran out (and wrapped) while we were away
            return (uint64_t)(lapic_start - lapic_now) * PIT_FREQUENCY / (pit_start - pit_now);
    }
}

void lapic_timer_calibrate(void)
{
    lapic_write(TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(LVT_TIMER, LVT_MASKED); // one-shot, no interrupt: only counting
    uint32_t hz[CALIBRATION_ROUNDS];
    for (unsigned i = 0; i < CALIBRATION_ROUNDS; i++) {
        hz[i] = timer_hz();
        for (unsigned k = i; k > 0 && hz[k - 1] > hz[k]; k--) { // insertion sort
            uint32_t t = hz[k];
            hz[k] = hz[k - 1];
            hz[k - 1] = t;
        }
    }
    lapic_write(TIMER_INITIAL, 0); // stop
    period = hz[CALIBRATION_ROUNDS / 2] / LAPIC_TIMER_HZ;
    kassert(period > 0);
}

void lapic_timer_start(void)
{
    lapic_write(TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(LVT_TIMER, LVT_PERIODIC | LAPIC_TIMER_VECTOR);
    lapic_write(TIMER_INITIAL, period);
}
// endregion: lapic_timer

uint32_t lapic_timer_period(void) { return period; }

uint64_t lapic_timer_ticks(unsigned cpu)
{
    return cpu < CPUS_MAX ? katomic_load(&timer_ticks[cpu], memory_order_relaxed) : 0;
}

lapic_timer_hook lapic_timer_set_hook(lapic_timer_hook hook)
{
    return katomic_exchange(&timer_hook, hook, memory_order_acq_rel);
}

// region: lapic_send
// The command is two registers: the destination, then the command itself,
// whose write sends. A handler on this CPU that sent an IPI between the two
// writes would change the destination under us: interrupts off. The stores
// before the call are visible to the receiver first: the register is
// uncached memory, and x86 does not let an uncached store pass earlier ones.
static void send(unsigned apic_id, uint32_t command)
{
    bool was_enabled = cpu_interrupts_save_disable();
    lapic_write(ICR_HIGH, apic_id << 24);
    lapic_write(ICR_LOW, command);
    while (lapic_read(ICR_LOW) & ICR_PENDING)
        cpu_relax();
    cpu_interrupts_restore(was_enabled);
}

void lapic_send_ipi(unsigned cpu) { send(smp_apic_id(cpu), IPI_VECTOR); }
// endregion: lapic_send

void lapic_send_init(unsigned apic_id) { send(apic_id, ICR_INIT | ICR_ASSERT); }

void lapic_send_startup(unsigned apic_id, uint32_t address)
{
    kassert(address % 4096 == 0 && address < (1u << 20));
    send(apic_id, ICR_STARTUP | ICR_ASSERT | address >> 12);
}

ipi_handler ipi_set_handler(ipi_handler handler)
{
    return katomic_exchange(&ipi_hook, handler, memory_order_acq_rel);
}

uint64_t ipi_count(unsigned cpu)
{
    return cpu < CPUS_MAX ? katomic_load(&ipis[cpu], memory_order_relaxed) : 0;
}

uint64_t lapic_spurious_count(void) { return katomic_load(&spurious, memory_order_relaxed); }

// region: lapic_interrupt
void lapic_interrupt(unsigned vector)
{
    unsigned cpu = cpu_index();
    if (vector == LAPIC_TIMER_VECTOR) {
        uint64_t now = katomic_fetch_add(&timer_ticks[cpu], 1, memory_order_relaxed) + 1;
        lapic_timer_hook hook = katomic_load(&timer_hook, memory_order_acquire);
        if (hook)
            hook(now);
    } else if (vector == IPI_VECTOR) {
        katomic_fetch_add(&ipis[cpu], 1, memory_order_relaxed);
        ipi_handler handler = katomic_load(&ipi_hook, memory_order_acquire);
        if (handler)
            handler();
    } else {
        katomic_fetch_add(&spurious, 1, memory_order_relaxed);
        return; // a spurious interrupt is not in service: no EOI
    }
    lapic_write(EOI, 0);
}
// endregion: lapic_interrupt

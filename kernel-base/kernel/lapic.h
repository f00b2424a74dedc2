// The local APIC: each CPU's own interrupt controller, with a timer and a
// way to interrupt another CPU (an IPI). SMP kernels only (build.mk's SMP).
#pragma once

#include <stdbool.h>
#include <stdint.h>

// Vectors above the legacy IRQs' 32-47. The spurious vector is the APIC's
// "nothing after all": its handler sends no end-of-interrupt.
#define LAPIC_TIMER_VECTOR    48
#define IPI_VECTOR            49
#define LAPIC_SPURIOUS_VECTOR 255
#define LAPIC_TIMER_HZ        100

// Turn on this CPU's local APIC: on CPU 0 (the first call) it is mapped, and
// its LINT0 pin passes the 8259 PIC's interrupts on ("virtual wire" mode),
// so IRQs 0-15 keep reaching CPU 0 alone; every other CPU ignores the PIC.
void lapic_init(void);
unsigned lapic_id(void);

// The timer. Calibrate once (CPU 0, task context, interrupts on: it counts
// PIT ticks), then start each CPU's at LAPIC_TIMER_HZ.
void lapic_timer_calibrate(void);
void lapic_timer_start(void);
// The timer's counts per tick; its input clock is the same on every CPU.
uint32_t lapic_timer_period(void);
// Ticks of CPU `cpu`'s timer so far. Any context.
uint64_t lapic_timer_ticks(unsigned cpu);
// Called in interrupt context on the CPU whose timer ticked, with that CPU's
// tick count (cpu_index() says which CPU): it must not allocate, lock, block
// or print. One hook for all CPUs; NULL for none. Returns the previous one.
typedef void (*lapic_timer_hook)(uint64_t ticks);
lapic_timer_hook lapic_timer_set_hook(lapic_timer_hook hook);

// Interrupt CPU `cpu` (an index, as cpu_index()) on IPI_VECTOR. Any context.
// Whatever this CPU stored before the call is visible to the handler.
void lapic_send_ipi(unsigned cpu);
// Runs in interrupt context on the CPU that receives an IPI (NULL: none; the
// IPI is then only counted, and wakes the CPU from hlt). Same rules as every
// handler. Returns the previous one.
typedef void (*ipi_handler)(void);
ipi_handler ipi_set_handler(ipi_handler handler);
// IPIs CPU `cpu` has received so far. Any context.
uint64_t ipi_count(unsigned cpu);

// Starting another CPU (smp.c): INIT resets it; STARTUP makes it run 16-bit
// code at `address`, a page-aligned address below 1 MiB.
void lapic_send_init(unsigned apic_id);
void lapic_send_startup(unsigned apic_id, uint32_t address);

// interrupts.c calls this for the vectors above, in interrupt context.
void lapic_interrupt(unsigned vector);
uint64_t lapic_spurious_count(void);

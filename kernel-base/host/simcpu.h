// The simulated CPU behind cpu.h in host tests. One CPU, an interrupt flag,
// up to SIMCPU_IRQS interrupt lines with handlers. A raised line is delivered
// as soon as the flag allows: at once if interrupts are enabled, otherwise
// at the next cpu_interrupts_enable() or cpu_enable_and_halt(). Handlers run
// with the flag cleared, as on x86.
//
// Interrupt points: every call into cpu.h (and every explicit
// cpu_interrupt_point()) is a numbered point where real hardware could take
// an interrupt. simcpu_raise_at_point(irq, k) raises `irq` at the k-th point
// from now (1 = the next one), so a test can walk an interrupt through every
// point of a protocol.
//
// Halting: cpu_halt() with nothing that could wake it (interrupts disabled,
// or nothing raised and no halt hook that raises something) would sleep
// forever on real hardware. The simulator reports it as a lost wakeup and
// aborts, which fails the test.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SIMCPU_IRQS 16

// Back to power-on: interrupts enabled, no handlers, nothing raised, all
// counters zero, CPU 0.
void simcpu_reset(void);

// Pretend to be CPU `index` (< CPUS_MAX) from now on: cpu_index() returns it,
// so a test can run per-CPU code as CPU 1. Still one CPU at a time: the
// flag, the lines and the counters are the same whichever index it shows.
void simcpu_set_cpu_index(unsigned index);

// Run `fn` as CPU `cpu` when the k-th interrupt point from now is reached
// (k >= 1): another CPU's code, taking its step between two of this CPU's
// accesses. Not an interrupt: cpu_in_interrupt() stays false, and this CPU's
// interrupt flag does not hold it back (cli masks only this CPU). For its
// duration cpu_index() says `cpu`, its own points are not counted, and what
// it does to the interrupt flag is undone when it returns (the flag stands
// for this CPU's); a line it raises is delivered to this CPU as the flag
// allows. One at a time; a new call replaces the old one; 0 cancels it.
void simcpu_other_cpu_at_point(unsigned cpu, void (*fn)(void), uint64_t k);

void simcpu_set_handler(unsigned irq, void (*handler)(void));
// Mark `irq` pending; delivered now if interrupts are enabled and no handler
// is running, else when they are enabled again.
void simcpu_raise(unsigned irq);
// Raise `irq` when the k-th interrupt point from now is reached (k >= 1).
// One scheduled raise at a time; a new call replaces the old one.
void simcpu_raise_at_point(unsigned irq, uint64_t k);
// Called when the CPU halts with interrupts enabled and nothing pending:
// a stand-in for a device (a timer, a keyboard) that will interrupt later.
// It may call simcpu_raise; if it raises nothing the halt is a lost wakeup.
void simcpu_set_halt_hook(void (*hook)(void));

// What happened so far.
uint64_t simcpu_points(void);         // interrupt points passed
uint64_t simcpu_delivered(unsigned irq);
uint64_t simcpu_halts(void);          // halts that were woken
bool simcpu_pending(unsigned irq);

// Instead of aborting on a halt that would never wake, call `handler` (which
// must not return normally to the halted code: e.g. it longjmps, or exits).
void simcpu_set_lost_wakeup_handler(void (*handler)(const char *why));

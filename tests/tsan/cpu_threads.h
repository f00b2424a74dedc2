// The thread stress programs' CPU (cpu_threads.c): what an interrupt is when
// contexts are threads.
#pragma once

#include <stdbool.h>

// Run `handler` as an interrupt handler on the calling thread: with the
// CPU's interrupts-off lock held (so it never overlaps a section of task
// context that disabled interrupts, nor another handler), and with
// cpu_in_interrupt() true.
void cpu_threads_interrupt(void (*handler)(void *arg), void *arg);

// A watchdog for a hang, not a speed test: the program calls
// cpu_threads_progress() as its work gets done (any thread, any rate); if
// `seconds` pass without a call, it prints "PROGRAM: stuck: no progress
// within the time limit" and exits with status 2. A busy machine slows the
// work down; only a hang stops it.
void cpu_threads_watchdog(const char *program, unsigned seconds);
void cpu_threads_progress(void);

// How much work a program does: `full`, or `short_run` when STRESS_SHORT is
// set in the environment (the grader's few seconds per exercise).
unsigned cpu_threads_count(unsigned full, unsigned short_run);

// Two CPUs (chapter 06). Each thread that stands for a CPU says which one it
// is; cpu_index() answers it (0 for every other thread). Each CPU has its own
// interrupt flag (its own lock), so `cli` on one keeps the other out of
// nothing, as on a real multiprocessor.
void cpu_threads_set_cpu(unsigned cpu);

// Run `handler` as an interrupt of CPU `cpu`, from any thread (a device's):
// with that CPU's interrupts-off lock held and cpu_index() saying `cpu`. An
// interrupt ends that CPU's hlt if it is halted, or is held pending until it
// halts if its interrupts are off (the sti shadow); with its interrupts on
// it is simply taken.
void cpu_threads_interrupt_on(unsigned cpu, void (*handler)(void *arg), void *arg);

// An IPI to CPU `cpu`, from any thread (any context): like the local APIC's,
// it never waits for the target. The target runs `handler` (set once,
// before any IPI; NULL: none) when it takes the interrupt.
void cpu_threads_ipi(unsigned cpu);
void cpu_threads_set_ipi_handler(void (*handler)(void));

// A CPU halted for `ms` without an interrupt calls stuck(cpu): true means it
// sleeps with work it should have been woken for, a lost wakeup: reported
// ("PROGRAM: lost wakeup: CPU n ...") and the program exits with status 1.
void cpu_threads_halt_watch(unsigned ms, bool (*stuck)(unsigned cpu));

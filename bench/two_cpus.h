// Two CPUs on host threads, for the two-CPU figures (two_cpus.c).
#pragma once

#include <stdatomic.h>
#include <stdint.h>

// The calling thread is CPU `cpu` from now on (cpu_index() says so).
void two_cpus_set_cpu(unsigned cpu);
// An IPI to CPU `cpu`: ends its hlt, or the next one. Any thread.
void two_cpus_ipi(unsigned cpu);
// Runs handler(arg) on the calling thread as an interrupt handler of CPU `cpu`.
void two_cpus_interrupt(unsigned cpu, void (*handler)(void *arg), void *arg);
// Copies the CPUs' cli and sti counts to the harness's (main thread, after a run).
void two_cpus_sync_counts(void);
// A one-shot event: wait until *word is not 0; set it and wake the waiter.
void two_cpus_wait(_Atomic uint32_t *word);
void two_cpus_signal(_Atomic uint32_t *word);

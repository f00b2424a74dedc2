// The thread stress programs' CPU (cpu_threads.c): what an interrupt is when
// contexts are threads.
#pragma once

// Run `handler` as an interrupt handler on the calling thread: with the
// CPU's interrupts-off lock held (so it never overlaps a section of task
// context that disabled interrupts, nor another handler), and with
// cpu_in_interrupt() true.
void cpu_threads_interrupt(void (*handler)(void *arg), void *arg);

// The thread stress programs' CPU (cpu_threads.c): what an interrupt is when
// contexts are threads.
#pragma once

// Run `handler` as an interrupt handler on the calling thread: with the
// CPU's interrupts-off lock held (so it never overlaps a section of task
// context that disabled interrupts, nor another handler), and with
// cpu_in_interrupt() true.
void cpu_threads_interrupt(void (*handler)(void *arg), void *arg);

// A watchdog for a hang, not a speed test: if the program is still running
// after `seconds`, it prints "PROGRAM: stuck: not done within the time limit"
// and exits with status 2.
void cpu_threads_time_limit(const char *program, unsigned seconds);

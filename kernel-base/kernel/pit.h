// The programmable interval timer (channel 0, IRQ 0): a tick counter, and a
// hook that runs at every tick.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PIT_FREQUENCY 1193182u // its input clock, in Hz

// Program the PIT to interrupt `hz` times a second (19-1193181) and count.
void pit_init(unsigned hz);
unsigned pit_hz(void);
// Ticks since pit_init. Safe from any context.
uint64_t pit_ticks(void);
#ifdef SMP
// Channel 2 of the PIT, apart from channel 0's ticks, as a stopwatch read
// without interrupts: start it, and it counts down from 0xFFFF at
// PIT_FREQUENCY (55 ms in all); read what is left at any time, and whether
// it ran out (its count then starts again from the top).
void pit_countdown_start(void);
uint16_t pit_countdown_read(void);
bool pit_countdown_over(void);
// Sleep until pit_ticks() reaches `tick`. Task context, interrupts enabled;
// on CPU 0, which the PIT interrupts (another CPU wakes only at its own timer's
// ticks to look). SMP kernels wait on it while they start the other CPUs.
void pit_sleep_until(uint64_t tick);
#endif

// Called in interrupt context at every tick, with the tick count it has just
// reached: it must not allocate, lock, block or print.
typedef void (*pit_hook)(uint64_t ticks);
// Install a hook (NULL: none); returns the previous one. Task context.
pit_hook pit_set_hook(pit_hook hook);

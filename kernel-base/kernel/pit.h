// The programmable interval timer (channel 0, IRQ 0): a tick counter.
#pragma once

#include <stdint.h>

// Program the PIT to interrupt `hz` times a second (19-1193181) and count.
void pit_init(unsigned hz);
unsigned pit_hz(void);
// Ticks since pit_init. Safe from any context.
uint64_t pit_ticks(void);

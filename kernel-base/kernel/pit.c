// The PIT's channel 0 divides a 1.193182 MHz clock; each underflow raises
// IRQ 0, and the handler counts it.
#include "pit.h"

#include <stdatomic.h>

#include "cpu.h"
#include "interrupts.h"

#define PIT_FREQUENCY 1193182u
#define CHANNEL0      0x40
#define COMMAND       0x43

// Written only by the IRQ handler, read from anywhere: an atomic counter.
static _Atomic uint64_t ticks;
static unsigned rate;

static void pit_irq(void) { atomic_fetch_add_explicit(&ticks, 1, memory_order_relaxed); }

void pit_init(unsigned hz)
{
    if (hz < 19)
        hz = 19; // the divisor must fit in 16 bits
    unsigned divisor = PIT_FREQUENCY / hz;
    rate = hz;
    outb(COMMAND, 0x34); // channel 0, low then high byte, mode 2 (rate generator)
    outb(CHANNEL0, divisor & 0xFF);
    outb(CHANNEL0, divisor >> 8);
    irq_set_handler(IRQ_TIMER, pit_irq);
}

unsigned pit_hz(void) { return rate; }

uint64_t pit_ticks(void) { return atomic_load_explicit(&ticks, memory_order_relaxed); }

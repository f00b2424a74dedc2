// The PIT's channel 0 divides a 1.193182 MHz clock; each underflow raises
// IRQ 0, and the handler counts it.
#include "pit.h"

#include "cpu.h"
#include "interrupts.h"
#include "io.h"
#include "katomic.h"

#define CHANNEL0 0x40
#define COMMAND  0x43

// Written only by the IRQ handler, read from anywhere: an atomic counter,
// relaxed because it orders nothing else.
static _Atomic uint64_t ticks;
static unsigned rate; // set before IRQ 0 is unmasked; the handler never reads it

// Published by task context (release), called by the IRQ (acquire).
static _Atomic(pit_hook) hook;

static void pit_irq(void)
{
    uint64_t now = katomic_fetch_add(&ticks, 1, memory_order_relaxed) + 1;
    pit_hook h = katomic_load(&hook, memory_order_acquire);
    if (h)
        h(now);
}

pit_hook pit_set_hook(pit_hook new_hook)
{
    return katomic_exchange(&hook, new_hook, memory_order_acq_rel);
}

void pit_init(unsigned hz)
{
    if (hz < 19)
        hz = 19; // the divisor must fit in 16 bits
    unsigned divisor = PIT_FREQUENCY / hz;
    rate = hz;
    outb(COMMAND, 0x34); // channel 0, low then high byte, mode 2 (rate generator)
    outb(CHANNEL0, divisor & 0xFF);
    outb(CHANNEL0, divisor >> 8);
    interrupts_set_irq_handler(IRQ_TIMER, pit_irq);
}

unsigned pit_hz(void) { return rate; }

uint64_t pit_ticks(void) { return katomic_load(&ticks, memory_order_relaxed); }

#ifdef SMP
// Channel 2 (the PC speaker's) counts down once from 0xFFFF, in mode 0:
// its output, read back in bit 5 of port 0x61, goes high at zero. Bit 0 of
// that port is its gate (on: count); bit 1 would feed the output to the
// speaker (off). A latch command freezes the count for reading.
#define CHANNEL2     0x42
#define SPEAKER_PORT 0x61
#define GATE2        0x01
#define SPEAKER_ON   0x02
#define OUTPUT2      0x20

void pit_countdown_start(void)
{
    outb(SPEAKER_PORT, (inb(SPEAKER_PORT) & ~SPEAKER_ON) | GATE2);
    outb(COMMAND, 0xB0); // channel 2, low then high byte, mode 0 (count down once)
    outb(CHANNEL2, 0xFF);
    outb(CHANNEL2, 0xFF); // counting starts here
}

uint16_t pit_countdown_read(void)
{
    outb(COMMAND, 0x80); // latch channel 2's count
    uint8_t low = inb(CHANNEL2);
    return (uint16_t)(inb(CHANNEL2) << 8 | low);
}

bool pit_countdown_over(void) { return inb(SPEAKER_PORT) & OUTPUT2; }

// Check with interrupts off, then sti; hlt as one step: a tick that comes
// after the check is pending at the sti and ends the hlt at once.
void pit_sleep_until(uint64_t tick)
{
    cpu_interrupts_disable();
    while (pit_ticks() < tick) {
        cpu_enable_and_halt();
        cpu_interrupts_disable();
    }
    cpu_interrupts_enable();
}
#endif

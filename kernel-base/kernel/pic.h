// The two cascaded 8259 PICs that deliver the legacy IRQs 0-15.
#pragma once

#include <stdbool.h>
#include <stdint.h>

// Remap IRQs 0-15 to vectors base..base+15 (away from the CPU exceptions) and
// mask them all; interrupts_set_irq_handler unmasks the ones that get a handler.
void pic_init(uint8_t base);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
// IRQ 7 and 15 can fire with no device behind them; such an IRQ must not get
// an EOI (for 15 the master still needs one, which this sends).
bool pic_is_spurious(unsigned irq);

// IRQ dispatch: which handler each of the 16 legacy interrupt lines runs, and
// how often each line fired. Task context installs handlers while interrupts
// come in, so the table is shared between the two contexts: every access is an
// atomic of katomic.h. Portable: host tests run it on the simulated CPU; in the
// kernel, interrupts.c calls irq_dispatch for every IRQ vector.
#pragma once

#include <stdint.h>

#define IRQ_LINES 16

// A handler runs in interrupt context with interrupts disabled: it must not
// allocate, lock, block or print.
typedef void (*irq_handler)(void);

// Install `handler` (NULL: none) for `line` (< IRQ_LINES); returns the one it
// replaces. Whatever the handler reads that was set up before this call is
// visible to it when it runs. Task context.
irq_handler irq_set_handler(unsigned line, irq_handler handler);

// Count one interrupt on `line` and run its handler, if any. Interrupt context.
void irq_dispatch(unsigned line);
// Count an interrupt that had no device behind it (spurious). Interrupt context.
void irq_note_spurious(void);

// How many interrupts `line` has taken (0 for a line that does not exist),
// and how many were spurious. Any context.
uint64_t irq_count(unsigned line);
uint64_t irq_spurious_count(void);

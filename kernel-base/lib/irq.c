// The IRQ table of irq.h.
#include "irq.h"

#include "katomic.h"
#include "panic.h"

// The orders: a handler pointer is published with release and read with
// acquire, so a handler sees everything its installer wrote before installing
// it (the buffer it fills, say), on any CPU. The counts only count: nothing
// else is ordered by them, so relaxed is enough; a reader sees some recent
// value, and on one CPU the latest one.
static struct {
    _Atomic(irq_handler) handlers[IRQ_LINES];
    _Atomic uint64_t counts[IRQ_LINES];
    _Atomic uint64_t spurious;
} irq;

irq_handler irq_set_handler(unsigned line, irq_handler handler)
{
    kassert(line < IRQ_LINES);
    return katomic_exchange(&irq.handlers[line], handler, memory_order_acq_rel);
}

void irq_dispatch(unsigned line)
{
    if (line >= IRQ_LINES)
        return;
    katomic_fetch_add(&irq.counts[line], 1, memory_order_relaxed);
    irq_handler handler = katomic_load(&irq.handlers[line], memory_order_acquire);
    if (handler)
        handler();
}

void irq_note_spurious(void) { katomic_fetch_add(&irq.spurious, 1, memory_order_relaxed); }

uint64_t irq_count(unsigned line)
{
    return line < IRQ_LINES ? katomic_load(&irq.counts[line], memory_order_relaxed) : 0;
}

uint64_t irq_spurious_count(void) { return katomic_load(&irq.spurious, memory_order_relaxed); }

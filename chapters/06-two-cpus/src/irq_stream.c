// The interrupt-fed byte stream of irq_stream.h.
#include "irq_stream.h"

#include "cpu.h"
#include "katomic.h"
#include "panic.h"
#include "trace.h"

static enum stream_poll irq_stream_poll_next(struct stream *base, struct context *cx,
                                             uint8_t *item);

struct stream *irq_stream_open(struct irq_stream *s)
{
    if (cpu_in_interrupt())
        panic("irq_stream %s: opened in an interrupt handler (open it from a task)", s->device);
    // Relaxed: the claim guards no data; it only makes a second open fail,
    // even one racing on another CPU.
    unsigned state = IRQ_STREAM_CLOSED;
    if (!katomic_compare_exchange(&s->state, &state, IRQ_STREAM_OPENING, memory_order_relaxed,
                                  memory_order_relaxed))
        panic("irq_stream %s: opened twice (open a device's stream once, and keep the "
              "struct stream * it returns)",
              s->device);
    byte_ring_init(&s->ring, s->storage, s->capacity);
    atomic_waker_init(&s->waker);
    stream_init(&s->base, irq_stream_poll_next);
    // Release: the handler that reads OPEN (acquire) sees the ring and the
    // waker as initialised above.
    katomic_store(&s->state, IRQ_STREAM_OPEN, memory_order_release);
    return &s->base;
}

// region: irq_stream_push
bool irq_stream_push(struct irq_stream *s, uint8_t byte)
{
    if (katomic_load(&s->state, memory_order_acquire) != IRQ_STREAM_OPEN) {
        katomic_fetch_add(&s->dropped_before_open, 1, memory_order_relaxed);
        return false;
    }
    // Full: the ring counts the drop. No wake: every byte in the ring was
    // followed by its own wake already.
    if (!byte_ring_push(&s->ring, byte))
        return false;
    // Push before wake: a task that is woken, or that registers after this
    // wake, must find the byte. Waking first opens a gap in which the task
    // can poll, find the ring empty and register after the wake has passed:
    // the byte then waits for the next key (test_irq_stream.c shows it).
    atomic_waker_wake(&s->waker);
    trace_stream_push(&s->base);
    return true;
}
// endregion: irq_stream_push

// region: irq_stream_poll_next
static enum stream_poll irq_stream_poll_next(struct stream *base, struct context *cx, uint8_t *item)
{
    struct irq_stream *s = CONTAINER_OF(base, struct irq_stream, base);
    // exercise: 3.5 begin
    // The fast path: bytes waiting cost no waker traffic.
    if (byte_ring_pop(&s->ring, item))
        return STREAM_ITEM;
    // Empty: register, then check again. A byte pushed after the first pop
    // but before the register found no waker to wake; the second pop finds
    // it. A byte pushed after the register wakes the waker.
    atomic_waker_register(&s->waker, cx->waker);
    if (byte_ring_pop(&s->ring, item)) {
        // The waker stays registered: the next push wakes the task once for
        // nothing, which the contract allows (wakeups may be spurious). Taking
        // it back would cost another round of the waker's protocol on every
        // such poll, and the next register keeps the same waker without a clone.
        return STREAM_ITEM;
    }
    return STREAM_PENDING;
    // exercise: 3.5 end
}
// endregion: irq_stream_poll_next

uint32_t irq_stream_dropped(struct irq_stream *s)
{
    return katomic_load(&s->dropped_before_open, memory_order_relaxed) +
           byte_ring_dropped(&s->ring);
}

// The SPSC byte ring of byte_ring.h. No lock: each index has one writer, and
// a slot belongs to one side at a time (slots [head, tail) to the consumer,
// the rest to the producer). A side hands a slot over by storing its own
// index with release; the other side takes it with an acquire load of that
// index. On one CPU the compiler is the only reorderer; on SMP the hardware
// is one too, and these orders are what it needs.
#include "byte_ring.h"

#include "katomic.h"
#include "panic.h"

void byte_ring_init(struct byte_ring *r, uint8_t *storage, size_t capacity)
{
    if (capacity == 0 || (capacity & (capacity - 1)) != 0 || capacity > BYTE_RING_MAX_CAPACITY)
        panic("byte_ring_init: capacity %zu is not a power of two between 1 and %u "
              "(slots are found by masking the free-running indices)",
              capacity, (unsigned)BYTE_RING_MAX_CAPACITY);
    r->storage = storage;
    r->mask = (uint32_t)(capacity - 1);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->dropped, 0);
}

// region: byte_ring_push
bool byte_ring_push(struct byte_ring *r, uint8_t byte)
{
    // exercise: 3.1 begin
    uint32_t tail = katomic_load(&r->tail, memory_order_relaxed); // ours: nobody else writes it
    // Acquire: the consumer's read of the slot we may reuse is done.
    uint32_t head = katomic_load(&r->head, memory_order_acquire);
    if (tail - head == r->mask + 1) {
        katomic_fetch_add(&r->dropped, 1, memory_order_relaxed); // a statistic: orders nothing
        return false; // full: drop and count, never wait for the consumer
    }
    r->storage[tail & r->mask] = byte;
    // Release: publishes the byte written just above with the new tail.
    katomic_store(&r->tail, tail + 1, memory_order_release);
    return true;
    // exercise: 3.1 end
}
// endregion: byte_ring_push

// region: byte_ring_pop
bool byte_ring_pop(struct byte_ring *r, uint8_t *byte)
{
    // exercise: 3.2 begin
    uint32_t head = katomic_load(&r->head, memory_order_relaxed); // ours
    // Acquire: if we see the producer's tail, we see the byte it published.
    uint32_t tail = katomic_load(&r->tail, memory_order_acquire);
    if (head == tail)
        return false;
    *byte = r->storage[head & r->mask];
    // Release: our read of the slot happens before the producer reuses it.
    katomic_store(&r->head, head + 1, memory_order_release);
    return true;
    // exercise: 3.2 end
}
// endregion: byte_ring_pop

bool byte_ring_is_empty(struct byte_ring *r)
{
    uint32_t head = katomic_load(&r->head, memory_order_relaxed);
    return katomic_load(&r->tail, memory_order_acquire) == head; // acquire, as in pop
}

uint32_t byte_ring_capacity(const struct byte_ring *r) { return r->mask + 1; }

uint32_t byte_ring_dropped(struct byte_ring *r)
{
    return katomic_load(&r->dropped, memory_order_relaxed);
}

// The SPSC byte ring of byte_ring.h.
//
// Why it needs no lock: each index has one writer. The producer alone moves
// tail, the consumer alone moves head, and a slot belongs to exactly one side
// at a time: slots [head, tail) hold bytes and belong to the consumer, the
// others are free and belong to the producer. A side hands a slot over by
// moving its own index, with a release store; the other side takes it with
// an acquire load of that index.
//
// The memory orders, in pairs (on one CPU with interrupts the compiler is the
// only reorderer; on SMP the hardware is too, and these are what it needs):
// - push: store tail (release)  ->  pop: load tail (acquire).
//   The release publishes the byte written into the slot just before; the
//   acquire makes it visible, so a pop that sees the new tail reads the byte,
//   never the slot's old contents.
// - pop: store head (release)  ->  push: load head (acquire).
//   The release orders the pop's read of the slot before giving the slot
//   back; the acquire makes the push's write of that slot come after it, so
//   the producer never overwrites a byte the consumer is still reading.
// - each side loads its own index relaxed: it is the only writer, so it
//   always reads its own last store; there is nothing to synchronise with.
// - the drop counter is relaxed: it is a statistic, it orders nothing.
//
// Every atomic access is a katomic.h interrupt point, so host tests can land
// an interrupt between any two of them. push walks 3 points (load tail, load
// head, store tail; when full: load tail, load head, bump dropped); pop walks
// 3 (load head, load tail, store head) or 2 when empty.
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
    uint32_t tail = katomic_load(&r->tail, memory_order_relaxed); // ours
    // Acquire: the consumer's read of the slot we may reuse is done.
    uint32_t head = katomic_load(&r->head, memory_order_acquire);
    if (tail - head == r->mask + 1) {
        katomic_fetch_add(&r->dropped, 1, memory_order_relaxed);
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
    // Acquire, as in pop: a caller that sees "not empty" and then reads the
    // ring some other way than pop still sees the bytes.
    return katomic_load(&r->tail, memory_order_acquire) == head;
}

uint32_t byte_ring_capacity(const struct byte_ring *r) { return r->mask + 1; }

uint32_t byte_ring_dropped(struct byte_ring *r)
{
    return katomic_load(&r->dropped, memory_order_relaxed);
}

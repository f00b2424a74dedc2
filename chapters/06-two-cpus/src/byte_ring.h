// A single-producer single-consumer ring of bytes: how an interrupt handler
// hands bytes to a task without a lock, without allocating, without waiting.
// One producer (the handler) moves `tail`, one consumer (the task) moves
// `head`; both run freely and are masked only to address a slot, so tail -
// head is the number of bytes held, even across the 32-bit wrap, and a full
// ring is told from an empty one without wasting a slot. A full ring drops
// and counts. The book's chapter 03 explains each memory order.
//
//     static uint8_t keys_storage[128];
//     static struct byte_ring keys;
//     byte_ring_init(&keys, keys_storage, sizeof keys_storage); // task context, once
//     byte_ring_push(&keys, scancode);                          // interrupt handler
//     uint8_t b; if (byte_ring_pop(&keys, &b)) ...              // the task
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The largest capacity: tail - head must fit in the 32-bit indices.
#define BYTE_RING_MAX_CAPACITY ((uint32_t)1 << 31)

// region: byte_ring
struct byte_ring {
    uint8_t *storage;         // capacity bytes, the caller's; slot i is storage[i & mask]
    uint32_t mask;            // capacity - 1; set by init, then only read
    _Atomic uint32_t head;    // next byte to pop: written by the consumer only
    _Atomic uint32_t tail;    // next slot to fill: written by the producer only
    _Atomic uint32_t dropped; // bytes refused because the ring was full
};
// endregion: byte_ring

// Makes an empty ring over `storage` (capacity bytes, the caller's, outliving
// the ring). The capacity must be a power of two between 1 and
// BYTE_RING_MAX_CAPACITY, or it panics. Task context, before either side uses
// the ring: publish it to the handler only afterwards (irq_stream.h does).
void byte_ring_init(struct byte_ring *r, uint8_t *storage, size_t capacity);

// Producer only (the interrupt handler). Appends `byte` and returns true, or,
// if the ring is full, counts the byte in byte_ring_dropped() and returns
// false. Never waits, allocates, locks or prints.
bool byte_ring_push(struct byte_ring *r, uint8_t byte);

// Consumer only (the task). Takes the oldest byte into *byte and returns true,
// or returns false (leaving *byte alone) if the ring is empty. Never waits.
bool byte_ring_pop(struct byte_ring *r, uint8_t *byte);

// Consumer only: whether a pop now would find nothing ("empty" may be stale
// at once; "not empty" stays true until the consumer pops).
bool byte_ring_is_empty(struct byte_ring *r);

uint32_t byte_ring_capacity(const struct byte_ring *r);

// Bytes push refused because the ring was full, since init. Any context.
uint32_t byte_ring_dropped(struct byte_ring *r);

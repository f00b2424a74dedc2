// A stream of bytes fed by an interrupt handler: a byte ring for the bytes,
// an atomic waker for the task waiting on them, and "open once" so that the
// handler publishes nothing before the task side is ready. Not tied to a
// device: the keyboard (IRQ 1) and COM1 (IRQ 4) each have one. Nothing here
// allocates or locks (the book's chapter 03 says why it must not).
//
//     static uint8_t keyboard_buffer[128];
//     struct irq_stream keyboard_stream = IRQ_STREAM_INIT("keyboard", keyboard_buffer);
//
//     irq_stream_push(&keyboard_stream, scancode);             // in the IRQ 1 handler
//     struct stream *keys = irq_stream_open(&keyboard_stream); // the task, once
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic_waker.h"
#include "byte_ring.h"
#include "stream.h"

// The state: the handler publishes nothing until it reads OPEN.
enum {
    IRQ_STREAM_CLOSED,  // all zero: what IRQ_STREAM_INIT makes
    IRQ_STREAM_OPENING, // claimed by open; ring and waker not ready yet
    IRQ_STREAM_OPEN,
};

// region: irq_stream
struct irq_stream {
    struct stream base; // what open returns; set up by open
    // Constant, from IRQ_STREAM_INIT: the device's name (for messages) and the
    // ring's storage (a power of two of bytes, checked at open).
    const char *device;
    uint8_t *storage;
    size_t capacity;
    _Atomic unsigned state;               // closed, opening, open
    _Atomic uint32_t dropped_before_open; // bytes the handler got before open
    struct byte_ring ring;                // set up by open; the handler's once open
    struct atomic_waker waker;
};
// endregion: irq_stream

// A closed stream over `buffer` (an array, not a pointer: its size is the
// capacity). Usable as a static initializer: a closed stream needs no code
// to run, so the handler may fire before anything is set up.
#define IRQ_STREAM_INIT(device_name, buffer)                                                       \
    {                                                                                              \
        .device = (device_name), .storage = (buffer), .capacity = IRQ_STREAM_ARRAY_SIZE_(buffer)   \
    }
// sizeof(buffer), refusing to compile when buffer is a pointer (whose size,
// 8, is a power of two: open would not catch it).
#define IRQ_STREAM_ARRAY_SIZE_(a)                                                                  \
    (sizeof(a) +                                                                                   \
     0 * sizeof(struct {                                                                           \
         _Static_assert(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])),         \
                        "IRQ_STREAM_INIT: the buffer must be an array");                           \
         int unused;                                                                               \
     }))

// Task context, once per stream: sets up the ring and the waker, then lets
// the handler in, and returns the stream to poll (items: the bytes, in the
// order the handler pushed them; it never ends). A second open panics, naming
// the device: there is one consumer, and a second would steal its bytes.
struct stream *irq_stream_open(struct irq_stream *s);

// Interrupt context (the device's handler), one producer per stream. Before
// open: counts the byte in dropped_before_open and returns false. After: puts
// it in the ring and wakes the waiting task, returning true; if the ring is
// full, the ring counts the drop and it returns false. Never allocates, frees,
// locks, waits or prints.
bool irq_stream_push(struct irq_stream *s, uint8_t byte);

// Bytes the handler could not take, since the stream was made: pushed before
// open, or while the ring was full. For a task to print. Any context.
uint32_t irq_stream_dropped(struct irq_stream *s);

// libFuzzer harness for the SPSC byte ring against a model: a plain array
// queue of the same capacity. The input picks the capacity, where the free-
// running indices start (so that runs cross the 32-bit wrap the header
// promises to survive), and then a sequence of operations: push, pop, and
// pops with an interrupt landing at a chosen interrupt point whose handler
// pushes, as the keyboard IRQ does. After every operation the ring must
// agree with the model: same bytes in the same order, same drop count, same
// emptiness.
//
// fuzz-sources: {chapter}/src/byte_ring.c kernel-base/host/simcpu.c
// fuzz-include: {chapter}/src kernel-base/include kernel-base/host
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_ring.h"
#include "panic.h"
#include "simcpu.h"

#define MAX_CAPACITY 64
#define IRQ 1

// The model: a queue that is obviously right.
static struct model {
    uint8_t bytes[MAX_CAPACITY];
    size_t count, capacity;
    uint32_t dropped;
} model;

static struct byte_ring ring;
static uint8_t storage[MAX_CAPACITY];
static uint8_t irq_byte;  // what the next interrupt pushes
static size_t at;         // input position, for messages

void panic_at(const char *file, int line, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "PANIC at %s:%d: ", file, line);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...);

static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "ring fuzz: capacity %zu, at input byte %zu: ", model.capacity, at);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

static void model_push(uint8_t byte)
{
    if (model.count == model.capacity) {
        model.dropped++;
        return;
    }
    model.bytes[model.count++] = byte;
}

static void push_checked(uint8_t byte)
{
    bool room = model.count < model.capacity;
    bool pushed = byte_ring_push(&ring, byte);
    model_push(byte);
    if (pushed != room)
        fail("push 0x%02X returned %d with %zu of %zu bytes queued", byte, pushed, model.count,
             model.capacity);
}

// The keyboard interrupt: the producer, running in the middle of a pop. Its
// result is checked once the pop is over, against the order the two took.
static bool in_pop;
static int irq_pushed; // -1: no push during the pop
static void irq_handler(void)
{
    if (in_pop)
        irq_pushed = byte_ring_push(&ring, irq_byte);
    else
        push_checked(irq_byte);
}

static void model_pop(uint8_t byte)
{
    if (model.count == 0)
        fail("pop returned 0x%02X from an empty ring", byte);
    if (byte != model.bytes[0])
        fail("pop returned 0x%02X, want 0x%02X", byte, model.bytes[0]);
    memmove(model.bytes, model.bytes + 1, --model.count);
}

static void pop_checked(uint64_t interrupt_point)
{
    size_t before = model.count;
    if (interrupt_point)
        simcpu_raise_at_point(IRQ, interrupt_point);
    uint8_t byte = 0x5A;
    in_pop = true;
    irq_pushed = -1;
    bool popped = byte_ring_pop(&ring, &byte);
    in_pop = false;
    simcpu_raise_at_point(IRQ, 0); // a point the pop did not reach: cancel it

    if (irq_pushed >= 0 && irq_pushed && popped && before == model.capacity) {
        // The ring was full, yet the push found room: it came after the pop
        // gave its slot back. Pop, then push.
        model_pop(byte);
        model_push(irq_byte);
        return;
    }
    if (irq_pushed >= 0) { // otherwise the push came first
        if (irq_pushed != (model.count < model.capacity))
            fail("a push during a pop returned %d with %zu of %zu bytes queued", irq_pushed,
                 model.count, model.capacity);
        model_push(irq_byte);
    }
    // A pop takes the oldest byte if there was one before it started; if the
    // ring was empty, a push that lands during the pop may or may not be
    // seen, depending on the point it landed at. Both are correct.
    if (!popped) {
        if (before)
            fail("pop found nothing with %zu bytes queued", before);
        if (byte != 0x5A)
            fail("an empty pop wrote 0x%02X", byte);
        return;
    }
    model_pop(byte);
}

static void check_state(void)
{
    if (byte_ring_is_empty(&ring) != (model.count == 0))
        fail("is_empty says %d with %zu bytes queued", byte_ring_is_empty(&ring), model.count);
    if (byte_ring_dropped(&ring) != model.dropped)
        fail("dropped %u, want %u", byte_ring_dropped(&ring), model.dropped);
    if (byte_ring_capacity(&ring) != model.capacity)
        fail("capacity %u", byte_ring_capacity(&ring));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    simcpu_reset();
    simcpu_set_handler(IRQ, irq_handler);
    model = (struct model){.capacity = (size_t)1 << (data[0] % 7)}; // 1 .. 64
    byte_ring_init(&ring, storage, model.capacity);
    // Start the free-running indices near the 32-bit wrap (or at 0): the
    // white-box step here, so that short runs cross the wrap. Both indices
    // equal is an empty ring, as after init.
    uint32_t start = (uint32_t)0 - (uint32_t)(data[1] % 80);
    atomic_store(&ring.head, start);
    atomic_store(&ring.tail, start);

    // Each further byte is one operation: 0x00-0x7F push it, 0x80-0xDF pop,
    // 0xE0-0xFF pop with an interrupt at point 1-4 pushing (byte & 0x1F).
    for (at = 2; at < size; at++) {
        uint8_t op = data[at];
        if (op < 0x80) {
            push_checked(op);
        } else if (op < 0xE0) {
            pop_checked(0);
        } else {
            irq_byte = op & 0x1F;
            pop_checked((op & 3) + 1);
        }
        check_state();
    }
    // Whatever is left comes out in order, then the ring is empty.
    while (model.count)
        pop_checked(0);
    uint8_t byte;
    if (byte_ring_pop(&ring, &byte))
        fail("drained ring still pops 0x%02X", byte);
    check_state();
    return 0;
}

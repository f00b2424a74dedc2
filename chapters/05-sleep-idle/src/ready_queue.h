// The ready queue: the slots of the tasks that were woken, in the order they
// were woken. Wakes push from task context and from interrupt handlers; the
// executor pops, in task context.
//
// Why it can never overflow: the executor's table has READY_QUEUE_CAPACITY
// slots, and a slot is pushed only by the wake that sets its "queued" bit
// (executor.c), which the executor clears only after popping it. So each slot
// is in the queue at most once, and the queue never holds more entries than
// there are slots: a queue as large as the table is always large enough.
//
// Why interrupts are off inside push and pop: there are two producers, wakes
// in task context and wakes in interrupt handlers, and a handler's push may
// interrupt a task-context push halfway: both read and write tail (and the
// overflow count), and one slot would be written twice. With interrupts
// disabled for the few instructions of each push and pop (about a dozen: see
// the book), they never overlap on one CPU, and no lock is needed. On a multiprocessor
// this is not enough: there it would take a spinlock with interrupts off, or
// a lock-free multi-producer queue.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define READY_QUEUE_CAPACITY 64
// Slots are bytes, and the free-running indices are reduced modulo the
// capacity, which stays right across their wrap only for a power of two.
_Static_assert(READY_QUEUE_CAPACITY <= 256 &&
                   (READY_QUEUE_CAPACITY & (READY_QUEUE_CAPACITY - 1)) == 0,
               "the ready queue holds byte-sized slots, a power of two of them");

// region: ready_queue
struct ready_queue {
    // Touched only with interrupts disabled, so plain integers suffice.
    uint8_t slots[READY_QUEUE_CAPACITY];
    uint32_t head, tail; // free-running: tail - head entries
    uint32_t overflows;  // pushes refused because it was full: 0, unless a bug
};
// endregion: ready_queue

// All zero is an empty queue.
void ready_queue_init(struct ready_queue *q);

// Any context. Appends `slot`, or, if the queue is full (which the queued bit
// rules out), counts an overflow and returns false: never a panic, since the
// caller may be an interrupt handler.
bool ready_queue_push(struct ready_queue *q, uint8_t slot);

// Task context (the executor). The oldest slot into *slot, or false if none.
bool ready_queue_pop(struct ready_queue *q, uint8_t *slot);

// Whether nothing is queued. True only for the moment it is read, unless
// interrupts are disabled: then no wake can add to it until they are enabled.
bool ready_queue_is_empty(const struct ready_queue *q);

// How many slots are queued (as of the moment it is read).
uint32_t ready_queue_length(const struct ready_queue *q);

uint32_t ready_queue_overflows(const struct ready_queue *q);

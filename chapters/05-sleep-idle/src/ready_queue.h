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
// Why interrupts are off inside push and pop: a handler's wake may interrupt a
// task-context push or pop halfway, and both write tail. With interrupts
// disabled for the few instructions of each (a handful: see the book), the
// two never overlap on one CPU, and no lock is needed. On a multiprocessor
// this is not enough: there it would take a spinlock with interrupts off, or
// a lock-free multi-producer queue.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define READY_QUEUE_CAPACITY 64

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

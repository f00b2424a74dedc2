// The ready queue: the slots of the woken tasks, in the order they were
// woken. Wakes push, from task context and from interrupt handlers, always
// with interrupts disabled: on one CPU that keeps two pushes from ever
// overlapping. The executor alone pops, with interrupts enabled: as in
// chapter 03's byte ring, pushes move only `tail` and the pop only `head`,
// and a slot is handed over with a release store of the index that owns it,
// so the pop needs no critical section. (On two CPUs a pair of pushes could
// overlap: chapter 06 takes that up.)
//
// It cannot overflow: a slot is pushed only by the wake that sets its queued
// bit, which the executor clears only after popping it (executor.c), so each
// slot is in the queue at most once, and a queue as large as the task table
// is always large enough. A full queue still refuses and counts.
#pragma once

#include <stdatomic.h>
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
    uint8_t slots[READY_QUEUE_CAPACITY];
    _Atomic uint32_t head;      // next slot to pop: the executor's
    _Atomic uint32_t tail;      // next place to push: the wakes' (interrupts disabled)
    _Atomic uint32_t overflows; // pushes refused because it was full: 0, unless a bug
};
// endregion: ready_queue

// All zero is an empty queue.
void ready_queue_init(struct ready_queue *q);

// Any context, with interrupts disabled. Appends `slot`, or, if the queue is
// full (which the queued bit rules out), counts an overflow and returns
// false: never a panic, since the caller may be an interrupt handler.
bool ready_queue_push(struct ready_queue *q, uint8_t slot);

// The executor only (task context). The oldest slot into *slot, or false.
bool ready_queue_pop(struct ready_queue *q, uint8_t *slot);

// Any context. Whether nothing is queued, and how many slots are: exact with
// interrupts disabled, otherwise as of the moment they are read.
bool ready_queue_is_empty(const struct ready_queue *q);
uint32_t ready_queue_length(const struct ready_queue *q);
uint32_t ready_queue_overflows(const struct ready_queue *q);

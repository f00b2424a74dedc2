// The injector: chapter 05's ready queue made safe for two CPUs. It takes
// the tasks that interrupt handlers wake (an interrupt must not touch the
// deque of the CPU it interrupted: deque.h), and every CPU's executor pops
// from it (crossbeam-deque calls such a queue an Injector).
//
// On one CPU the ready queue needed no lock: its pushes ran with interrupts
// disabled, so two of them never overlapped, and its one consumer moved
// `head` alone. Here `cli` masks only this CPU: a push on CPU 0 can overlap
// a push on CPU 1, and two CPUs pop. So every push and pop takes a ticket
// spinlock (spinlock.h) with interrupts off, for a few instructions.
// Interrupt handlers push too, and may take this lock, as an exception to
// the rule that handlers never lock: the lock is only ever held with
// interrupts off, so a handler cannot interrupt its own CPU's holder; a
// holder on another CPU lets go after a few instructions, and holds no other
// lock and waits for nothing meanwhile. So a handler's wait is bounded, and
// no two CPUs can wait for each other.
//
// It cannot overflow, for the reason the ready queue could not: a slot is
// queued at most once (the task's queued bit, executor.c), so a queue as
// large as the task table is enough. A full one still refuses and counts.
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "spinlock.h"

#define INJECTOR_CAPACITY 64
_Static_assert(INJECTOR_CAPACITY <= 256 && (INJECTOR_CAPACITY & (INJECTOR_CAPACITY - 1)) == 0,
               "the injector holds byte-sized slots, a power of two of them");

// region: injector
struct injector {
    struct spinlock lock; // guards slots, and every write of head and tail
    uint8_t slots[INJECTOR_CAPACITY];
    // Written under the lock; atomic so that a CPU about to sleep can look
    // at them without it (injector_is_empty).
    _Atomic uint32_t head, tail;
    _Atomic uint32_t overflows; // pushes refused because it was full: 0, unless a bug
};
// endregion: injector

// All zero is an empty injector.
void injector_init(struct injector *q);

// Any context, interrupts on or off, any CPU. Appends `slot`, or counts an
// overflow and returns false if the queue is full (never a panic: the
// caller may be an interrupt handler).
bool injector_push(struct injector *q, uint8_t slot);

// Task context, any CPU. The oldest slot into *slot, or false.
bool injector_pop(struct injector *q, uint8_t *slot);

// Any context, without the lock: a look, true as of the moment it was taken.
// A CPU about to sleep looks here after announcing it (executor.c says why
// that is enough).
bool injector_is_empty(const struct injector *q);
uint32_t injector_length(const struct injector *q);
uint32_t injector_overflows(const struct injector *q);

// A ticket spinlock: mutual exclusion between CPUs, where `cli` is no longer
// enough because it masks interrupts on this CPU only. Portable: the host
// tests run it on the simulated CPU and on real threads (tests/tsan).
//
//     static struct spinlock lock; // zero: unlocked
//     bool was_enabled = spin_lock_irqsave(&lock);
//     ... a few instructions on the data the lock guards ...
//     spin_unlock_irqrestore(&lock, was_enabled);
//
// The rules. Hold it for a few instructions: the other CPUs spin meanwhile.
// Hold it with interrupts off on this CPU (spin_lock_irqsave does that): a
// handler that interrupted the holder and wanted the same lock would spin
// forever, since the holder cannot run again until the handler returns. And
// interrupt handlers take no lock at all, as on one CPU. Never take a lock
// you hold: it waits for itself.
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct spinlock {
    _Atomic uint32_t next;    // the ticket the next CPU to arrive takes
    _Atomic uint32_t serving; // the ticket whose CPU may enter
};

// Take the lock with this CPU's interrupts off; returns whether they were on,
// for spin_unlock_irqrestore. Any context but an interrupt handler.
bool spin_lock_irqsave(struct spinlock *lock);
void spin_unlock_irqrestore(struct spinlock *lock, bool was_enabled);

// The same without touching the interrupt flag, for a caller that has already
// turned interrupts off (or a test whose threads stand for CPUs).
void spin_lock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);

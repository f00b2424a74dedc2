// The ticket lock of spinlock.h.
#include "spinlock.h"

#include "cpu.h"
#include "katomic.h"

// region: ticket_lock
// Like the queue at a deli counter: take a number, wait until it is served.
//
// Fairness. `next` hands out tickets in the order of the fetch_adds on it,
// which the CPUs agree on (every atomic read-modify-write of one variable
// takes its place in one total order), and no two CPUs get the same one.
// `serving` counts up by one at each unlock, so the lock passes from ticket t
// to ticket t + 1 and to no other: CPUs enter in the order they arrived
// (FIFO). A CPU that takes ticket t finds at most t - serving CPUs ahead of
// it, at most one per other CPU, each holding the lock for a few
// instructions with interrupts off: its wait is bounded, it never starves.
// A test-and-set lock gives no such promise: whichever CPU happens to
// see the lock free first wins, and one CPU can win again and again.
//
// Orders. The acquire load of `serving` that sees our ticket pairs with the
// release store of the unlock that wrote it: whatever the previous holder
// wrote inside the lock is visible to us. Taking a ticket orders nothing (we
// read nothing under the lock before our turn comes): relaxed. Only the
// holder writes `serving`, so the unlock reads it relaxed.
void spin_lock(struct spinlock *lock)
{
    uint32_t ticket = katomic_fetch_add(&lock->next, 1, memory_order_relaxed);
    while (katomic_load(&lock->serving, memory_order_acquire) != ticket)
        cpu_relax();
}

void spin_unlock(struct spinlock *lock)
{
    uint32_t serving = katomic_load(&lock->serving, memory_order_relaxed);
    katomic_store(&lock->serving, serving + 1, memory_order_release);
}
// endregion: ticket_lock

// region: irqsave
// Interrupts go off before the ticket is taken: an interrupt taken while
// this CPU waits in the queue would hold up every CPU behind it.
bool spin_lock_irqsave(struct spinlock *lock)
{
    bool was_enabled = cpu_interrupts_save_disable();
    spin_lock(lock);
    return was_enabled;
}

void spin_unlock_irqrestore(struct spinlock *lock, bool was_enabled)
{
    spin_unlock(lock);
    cpu_interrupts_restore(was_enabled);
}
// endregion: irqsave

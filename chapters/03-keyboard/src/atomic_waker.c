// The atomic waker of atomic_waker.h: futures-rs's AtomicWaker protocol in C.
//
// The protocol, before the code.
//
// The state word is a lock that nobody ever waits for: whoever moves it away
// from WAITING owns the waker slot until it moves it back. The transitions:
//
//     from                 by                                    to
//     WAITING              register R1: CAS                      REGISTERING
//     REGISTERING          register R2: CAS                      WAITING
//     REGISTERING          wake: fetch_or WAKING                 REGISTERING|WAKING
//     REGISTERING|WAKING   register: R2 failed; exchange         WAITING (register wakes)
//     WAITING              wake: fetch_or WAKING                 WAKING
//     WAKING               wake: fetch_and ~WAKING               WAITING (wake wakes)
//     WAKING               register: R1 fails (SMP only)         WAKING (wake_by_ref)
//     WAKING               a second wake: fetch_or (SMP only)    WAKING (nothing to do)
//
// register (task context):
//   1. CAS WAITING -> REGISTERING. Won: the slot is ours. Store a clone of
//      the new waker (or keep the stored one if it will_wake the new one).
//   2. CAS REGISTERING -> WAITING. Won: done; the old waker, if replaced, is
//      dropped after the slot is released.
//   The one race, "safely handled": a wake arrives between 1 and 2. It finds
//   REGISTERING, cannot touch the slot, so it only sets the WAKING bit and
//   leaves. Our CAS in 2 then fails (the state is REGISTERING|WAKING): we
//   take the waker we just stored back out, release the slot, and wake it
//   ourselves. The wake is delivered, a little later, by the register.
//   If 1 fails because a wake owns the slot (WAKING: only on SMP, a wake
//   running on another CPU, which may have taken the old waker already), we
//   store nothing and wake the new waker by reference: the caller is polled
//   again and registers then.
// wake (any context):
//   fetch_or WAKING. If the state was WAITING the slot is ours: take the
//   waker out, fetch_and ~WAKING to release the slot, then waker_wake it
//   (outside the lock: a wake function is other code). If a register owns
//   the slot, the bit we set is our message to it (above). If another wake
//   owns it, that wake takes the waker: nothing to do.
//
// Why no wakeup is lost. The caller registers (R1, R2), then checks the
// condition (C); the producer makes the event visible (E), then wakes (W).
// Every change of the state is a read-modify-write, and read-modify-writes
// of one variable happen in one total order, each seeing the value just
// before it. So W comes after R2, between R1 and R2, or before R1:
// - after R2: W sees the waker R2 published and wakes it;
// - between: R2 fails and the register wakes the waker itself;
// - before R1: W released the slot (or, still owning it, makes R1 fail and
//   the register wake by reference); R1 acquired what W released, and E was
//   before W, so C sees E.
// On one CPU with interrupts, W is an interrupt handler that runs to
// completion: task context never sees WAKING, and a wake sees WAITING or
// REGISTERING. On SMP all three cases happen, and the memory orders below are
// what make "sees" true there; on one CPU they only keep the compiler from
// moving the slot's reads and writes across the state changes.
//
// Interrupt points (katomic.h): register walks 2 (R1, R2), 3 when a wake
// interrupts it (R1, R2, the exchange); wake walks 3 (fetch_or, fetch_and,
// its counter), 2 when a register owns the slot.
#include "atomic_waker.h"

#include "katomic.h"
#include "panic.h"

void atomic_waker_init(struct atomic_waker *aw)
{
    atomic_init(&aw->state, ATOMIC_WAKER_WAITING);
    aw->waker = (struct waker){0};
    atomic_init(&aw->delivered, 0);
    atomic_init(&aw->unheard, 0);
}

static bool has_waker(const struct waker *w) { return w->vtable != NULL; }

// region: atomic_waker_register
void atomic_waker_register(struct atomic_waker *aw, const struct waker *w)
{
    // exercise: 3.3 begin
    // R1. Acquire on success: we see the slot as its last owner left it (a
    // wake that took the waker out leaves it empty, so we do not drop it a
    // second time), and what that owner's producer published. Relaxed on
    // failure: then we touch nothing the state guards.
    unsigned state = ATOMIC_WAKER_WAITING;
    if (!katomic_compare_exchange(&aw->state, &state, ATOMIC_WAKER_REGISTERING,
                                  memory_order_acquire, memory_order_relaxed)) {
        if (state != ATOMIC_WAKER_WAKING)
            panic("atomic_waker_register: two registers at once (state %u): one task at a time "
                  "may wait on an atomic waker",
                  state);
        waker_wake_by_ref(w); // a wake owns the slot: be polled again, register then
        return;
    }
    struct waker old = {0};
    if (!has_waker(&aw->waker) || !waker_will_wake(&aw->waker, w)) {
        old = aw->waker;
        aw->waker = waker_clone(w);
    }
    // R2. Release on success: publishes the stored waker to the next wake's
    // acquire (C11 wants the success order at least as strong as the
    // failure's, hence acq_rel). Acquire on failure: the wake that set WAKING
    // published its producer's data with its release; the caller's check
    // after we return sees it.
    state = ATOMIC_WAKER_REGISTERING;
    if (!katomic_compare_exchange(&aw->state, &state, ATOMIC_WAKER_WAITING, memory_order_acq_rel,
                                  memory_order_acquire)) {
        // state is REGISTERING|WAKING: a wake came and left the waking to us.
        struct waker taken = aw->waker;
        aw->waker = (struct waker){0};
        // An exchange, not a store: a second wake (SMP) may arrive after our
        // failed CAS read the state; a read-modify-write acquires from it
        // too, so its data is visible as well. Release: the next owner
        // finds the slot empty.
        katomic_exchange(&aw->state, ATOMIC_WAKER_WAITING, memory_order_acq_rel);
        if (has_waker(&old))
            waker_drop(&old);
        waker_wake(&taken);
        return;
    }
    // Dropped after the slot is released: a drop is other code (it may free
    // memory, or even use this atomic waker), so the slot stays locked only
    // for our own few instructions.
    if (has_waker(&old))
        waker_drop(&old);
    // exercise: 3.3 end
}
// endregion: atomic_waker_register

// region: atomic_waker_wake
void atomic_waker_wake(struct atomic_waker *aw)
{
    // exercise: 3.4 begin
    // Acquire: we see the waker a register's R2 published. Release: a
    // register whose R2 fails on our bit sees what our producer published.
    unsigned state = katomic_fetch_or(&aw->state, ATOMIC_WAKER_WAKING, memory_order_acq_rel);
    if (state != ATOMIC_WAKER_WAITING) {
        // REGISTERING: that register sees our bit and wakes its waker.
        // WAKING (SMP): another wake owns the slot and wakes what is there.
        if (state & ATOMIC_WAKER_REGISTERING)
            katomic_fetch_add(&aw->delivered, 1, memory_order_relaxed);
        else
            katomic_fetch_add(&aw->unheard, 1, memory_order_relaxed);
        return;
    }
    struct waker taken = aw->waker;
    aw->waker = (struct waker){0};
    // Release: the next owner finds the slot empty, and our producer's data
    // is visible to the next register's R1.
    katomic_fetch_and(&aw->state, ~ATOMIC_WAKER_WAKING, memory_order_release);
    if (!has_waker(&taken)) {
        katomic_fetch_add(&aw->unheard, 1, memory_order_relaxed);
        return; // not lost: the next register-then-check sees the data
    }
    katomic_fetch_add(&aw->delivered, 1, memory_order_relaxed);
    waker_wake(&taken);
    // exercise: 3.4 end
}
// endregion: atomic_waker_wake

uint32_t atomic_waker_delivered(struct atomic_waker *aw)
{
    return katomic_load(&aw->delivered, memory_order_relaxed);
}

uint32_t atomic_waker_unheard(struct atomic_waker *aw)
{
    return katomic_load(&aw->unheard, memory_order_relaxed);
}

// Like a register of "nobody": the same lock, the same race with a wake.
void atomic_waker_clear(struct atomic_waker *aw)
{
    // Orders as register's R1 and its failure path's exchange, for the same
    // reasons: acquire the slot as the last owner left it, release it empty.
    unsigned state = ATOMIC_WAKER_WAITING;
    if (!katomic_compare_exchange(&aw->state, &state, ATOMIC_WAKER_REGISTERING,
                                  memory_order_acquire, memory_order_relaxed))
        return; // a wake owns the slot: it takes and wakes the waker
    struct waker old = aw->waker;
    aw->waker = (struct waker){0};
    state = katomic_exchange(&aw->state, ATOMIC_WAKER_WAITING, memory_order_acq_rel);
    if (!has_waker(&old))
        return;
    if (state & ATOMIC_WAKER_WAKING)
        waker_wake(&old); // a wake arrived meanwhile: deliver it rather than swallow it
    else
        waker_drop(&old);
}

// The atomic waker of atomic_waker.h: futures-rs's AtomicWaker protocol in C.
// The book's chapter 03 draws its states and walks each transition.
#include "atomic_waker.h"

#include "katomic.h"
#include "panic.h"

void atomic_waker_init(struct atomic_waker *aw)
{
    atomic_init(&aw->state, ATOMIC_WAKER_WAITING);
    aw->waker = (struct waker){0};
}

static bool has_waker(const struct waker *w) { return w->vtable != NULL; }

// region: no_lost_wakeup_argument
// Why no wakeup is lost. The task registers (R1: WAITING -> REGISTERING, R2:
// REGISTERING -> WAITING), then checks its condition (C); the producer makes
// the event visible (E), then wakes (W: fetch_or WAKING). Every change of the
// state is a read-modify-write, and those happen in one total order, each
// seeing the value just before it. So W comes after R2, between R1 and R2, or
// before R1:
// - after R2: W finds WAITING, takes the waker R2 published and wakes it;
// - between: R2 finds WAKING set and fails, and register wakes the waker;
// - before R1: R1 acquires what W released, and E was before W, so C sees E.
// On one CPU W is an interrupt handler that runs to completion, so a register
// never finds WAKING at R1; on SMP all three happen, and the memory orders
// are what make "sees" true.
// endregion: no_lost_wakeup_argument

// region: atomic_waker_register
void atomic_waker_register(struct atomic_waker *aw, const struct waker *w)
{
    // exercise: 3.3 begin
    // R1. Acquire: we see the slot as its last owner left it, and what that
    // owner's producer published. Relaxed on failure: we touch nothing then.
    unsigned state = ATOMIC_WAKER_WAITING;
    if (!katomic_compare_exchange(&aw->state, &state, ATOMIC_WAKER_REGISTERING,
                                  memory_order_acquire, memory_order_relaxed)) {
        if (state != ATOMIC_WAKER_WAKING)
            panic("atomic_waker_register: two registers at once (state %u): one task at a time "
                  "may wait on an atomic waker",
                  state);
        waker_wake_by_ref(w); // a wake owns the slot (SMP): be polled again, register then
        return;
    }
    struct waker old = {0};
    if (!has_waker(&aw->waker) || !waker_will_wake(&aw->waker, w)) {
        old = aw->waker;
        aw->waker = waker_clone(w);
    }
    // R2. Release: publishes the stored waker to the next wake. Acquire on
    // failure: we see what the wake that set WAKING published.
    state = ATOMIC_WAKER_REGISTERING;
    if (!katomic_compare_exchange(&aw->state, &state, ATOMIC_WAKER_WAITING, memory_order_acq_rel,
                                  memory_order_acquire)) {
        // REGISTERING|WAKING: a wake came and left the waking to us.
        struct waker taken = aw->waker;
        aw->waker = (struct waker){0};
        // An exchange, not a store: a second wake (SMP) may have come since
        // the failed CAS; its data must be visible too.
        katomic_exchange(&aw->state, ATOMIC_WAKER_WAITING, memory_order_acq_rel);
        if (has_waker(&old))
            waker_drop(&old);
        waker_wake(&taken);
        return;
    }
    // Dropped after the slot is released: a drop is other code.
    if (has_waker(&old))
        waker_drop(&old);
    // exercise: 3.3 end
}
// endregion: atomic_waker_register

// region: atomic_waker_wake
void atomic_waker_wake(struct atomic_waker *aw)
{
    // exercise: 3.4 begin
    // W. Acquire: we see the waker R2 published. Release: a register whose R2
    // fails on our bit sees what our producer published.
    if (katomic_fetch_or(&aw->state, ATOMIC_WAKER_WAKING, memory_order_acq_rel) !=
        ATOMIC_WAKER_WAITING)
        return; // a register (it sees our bit) or another wake owns the slot
    struct waker taken = aw->waker;
    aw->waker = (struct waker){0};
    // Release: the next owner finds the slot empty.
    katomic_fetch_and(&aw->state, ~ATOMIC_WAKER_WAKING, memory_order_release);
    if (has_waker(&taken))
        waker_wake(&taken); // outside the lock: a wake function is other code
    // exercise: 3.4 end
}
// endregion: atomic_waker_wake

// Like a register of "nobody": the same lock, the same race with a wake.
void atomic_waker_clear(struct atomic_waker *aw)
{
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
        waker_wake(&old); // a wake came meanwhile: deliver it rather than swallow it
    else
        waker_drop(&old);
}

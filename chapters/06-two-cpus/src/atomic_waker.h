// An atomic waker: one slot for a waker, shared by a task that waits for an
// event (it registers its waker) and an interrupt handler that signals it (it
// wakes whatever is registered). Neither side ever waits for the other, and
// no wakeup is lost. The protocol is futures-rs's AtomicWaker, in C.
//
// The contract. The waiting side registers first, then checks its condition,
// and returns POLL_PENDING only if the check failed: a wake is then
// guaranteed. The signalling side makes the event visible first (pushes the
// byte), then wakes. Checking before registering loses a wakeup: an event
// between the check and the registration finds no waker. A wake with nothing
// registered does nothing, and wakes do not queue up: many wakes before the
// task runs wake it once.
#pragma once

#include <stdatomic.h>

#include "future.h"

// region: atomic_waker_states
// The state: two bits, as in futures-rs. WAITING (0): nobody is touching the
// slot. REGISTERING: a register owns the slot. WAKING: a wake owns the slot
// (alone), or, with REGISTERING, a wake arrived during a register and left
// the waking to it.
#define ATOMIC_WAKER_WAITING     0u
#define ATOMIC_WAKER_REGISTERING 1u
#define ATOMIC_WAKER_WAKING      2u
// endregion: atomic_waker_states

// region: atomic_waker
struct atomic_waker {
    _Atomic unsigned state;
    // Owned by the atomic waker (a clone of what was registered) when its
    // vtable is not NULL. Touched only by whoever moved the state away from
    // WAITING: the state bits are a lock that nobody ever waits for.
    struct waker waker;
};
// endregion: atomic_waker

// All zero is a valid empty atomic waker (static ones need no init).
void atomic_waker_init(struct atomic_waker *aw);

// Task context, one waiting task at a time. Makes `w` (borrowed) the waker
// that the next atomic_waker_wake wakes: a registered waker that will_wake
// `w` is kept; otherwise a clone of `w` replaces it (the old one is dropped).
// If a wake is in progress (on another CPU) or arrives meanwhile, `w` is woken
// instead: the caller will be polled again. Two registers at once panic.
void atomic_waker_register(struct atomic_waker *aw, const struct waker *w);

// Any context, interrupt handlers included. Takes the registered waker, if
// any, and consumes it with waker_wake. It allocates, frees, locks and waits
// for nothing, and calls nothing but waker_wake: so a waker registered here
// must promise the same of its wake (chapter 03's do nothing; chapter 04's
// only queue a task).
void atomic_waker_wake(struct atomic_waker *aw);

// Task context: drops the registered waker, if any (or wakes it, if a wake
// raced with the clear). For tearing down.
void atomic_waker_clear(struct atomic_waker *aw);

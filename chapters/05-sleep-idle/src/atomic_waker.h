// An atomic waker: one slot for a waker, shared by a task that waits for an
// event (it registers its waker) and an interrupt handler that signals it (it
// wakes whatever is registered). Neither side ever waits for the other, and
// no wakeup is lost. The protocol is futures-rs's AtomicWaker, in C.
//
// The contract, for the waiting side:
//
//     atomic_waker_register(&aw, cx->waker);  // 1. register first,
//     if (the event happened)                  // 2. then check the condition,
//         return it;
//     return POLL_PENDING;                     // 3. a wake is now guaranteed
//
// and for the signalling side: make the event visible first (push the byte),
// then atomic_waker_wake. Then every event is either seen by step 2 or
// followed by a wake of the waker registered in step 1. Checking before
// registering loses a wakeup: an event that lands between the check and the
// registration finds no waker, and the task sleeps on data that is there.
//
// A wake with nothing registered does nothing (it is counted as unheard);
// that is not a lost wakeup, because the waiter's next register-then-check
// sees the event. Wakes do not queue up: many wakes before the task runs wake
// it once.
#pragma once

#include <stdatomic.h>
#include <stdint.h>

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
    // vtable is not NULL. Read and written only by whoever moved the state
    // from WAITING: the state bits are the lock, taken without ever waiting.
    struct waker waker;
    _Atomic uint32_t delivered; // wakes that woke (or made register wake) a waker
    _Atomic uint32_t unheard;   // wakes that found no waker registered
};
// endregion: atomic_waker

// All zero is a valid empty atomic waker (static ones need no init).
void atomic_waker_init(struct atomic_waker *aw);

// Task context, one waiting task at a time. Makes `w` (borrowed) the waker
// that the next atomic_waker_wake wakes:
// - if a waker that will_wake `w` is already registered it is kept (no clone);
// - otherwise a clone of `w` is stored and the one it replaces is dropped;
// - if a wake is in progress (on another CPU), or arrives while registering,
//   `w` is woken instead (by reference, or the stored clone is taken back and
//   woken): the caller will be polled again, so nothing is lost.
// Two registers at once (two waiting tasks on SMP) are a bug: it panics.
void atomic_waker_register(struct atomic_waker *aw, const struct waker *w);

// Any context, interrupt handlers included. Takes the registered waker, if
// any, and consumes it with waker_wake; with none registered it only counts
// an unheard wake. It allocates, frees, locks and waits for nothing itself,
// and it calls nothing but waker_wake. So a waker's wake function must
// promise the same to be registered here: no allocation, no free (no last
// reference count dropped into a free), no lock, no print, no waiting.
// Chapter 03's wakers (the dummy waker) do nothing; chapter 04's only mark a
// task as ready.
void atomic_waker_wake(struct atomic_waker *aw);

// The counts, for a task to print. Any context.
uint32_t atomic_waker_delivered(struct atomic_waker *aw);
uint32_t atomic_waker_unheard(struct atomic_waker *aw);

// Task context: drops the registered waker, if any. For tearing down.
void atomic_waker_clear(struct atomic_waker *aw);

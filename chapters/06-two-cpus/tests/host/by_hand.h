// The other side of each protocol, done by hand: what the reference push,
// pop, register and wake do, for tests that exercise one side and must not
// depend on the exercise that writes the other (stripping byte_ring_pop must
// not fail byte_ring_push's tests). Plain C11 atomics, not katomic.h's: they
// are not interrupt points, so they do not change the points a test counts,
// except by_hand_wake, which is the real protocol's wake and walks its points.
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "atomic_waker.h"
#include "byte_ring.h"
#include "katomic.h"

// The producer's push (the caller knows there is room).
static inline void by_hand_push(struct byte_ring *r, uint8_t byte)
{
    uint32_t tail = atomic_load(&r->tail);
    r->storage[tail & r->mask] = byte;
    atomic_store(&r->tail, tail + 1);
}

// The producer's push when the ring may be full: then it counts a drop.
static inline bool by_hand_try_push(struct byte_ring *r, uint8_t byte)
{
    if (atomic_load(&r->tail) - atomic_load(&r->head) == r->mask + 1) {
        atomic_fetch_add(&r->dropped, 1);
        return false;
    }
    by_hand_push(r, byte);
    return true;
}

// The consumer's pop.
static inline bool by_hand_pop(struct byte_ring *r, uint8_t *byte)
{
    uint32_t head = atomic_load(&r->head);
    if (head == atomic_load(&r->tail))
        return false;
    *byte = r->storage[head & r->mask];
    atomic_store(&r->head, head + 1);
    return true;
}

// What a register leaves behind when nothing races it: a clone in the slot.
static inline void by_hand_register(struct atomic_waker *aw, const struct waker *w)
{
    aw->waker = waker_clone(w);
}

// The reference wake, through katomic.h (4 points, 2 when a register owns
// the slot), so that a race with register is the real one.
static inline void by_hand_wake(struct atomic_waker *aw)
{
    unsigned state = katomic_fetch_or(&aw->state, ATOMIC_WAKER_WAKING, memory_order_acq_rel);
    if (state != ATOMIC_WAKER_WAITING)
        return;
    struct waker taken = aw->waker;
    aw->waker = (struct waker){0};
    katomic_fetch_and(&aw->state, ~ATOMIC_WAKER_WAKING, memory_order_release);
    if (taken.vtable)
        waker_wake(&taken);
}

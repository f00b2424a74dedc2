// A work-stealing deque of task slot numbers (Chase and Lev's, in the C11
// form of Lê, Pop, Cohen and Zappa Nardelli, PPoPP 2013): how one CPU keeps
// its ready tasks while another CPU takes some when it has none of its own.
//
// Each deque has one owner: the executor of one CPU, in task context. Only
// the owner calls deque_push and deque_pop, and never two at once (an
// interrupt handler on the owner's CPU must not push or pop while the
// owner's call is under way). The owner works at the bottom, newest first,
// which keeps a task it just woke warm in its cache. Anyone else steals from
// the top, oldest first: another CPU, several at once, or an interrupt
// handler, even one that interrupts the owner halfway through a call.
// Nobody waits, locks or allocates: each call is a few instructions, a
// fence and at most one compare-and-swap, so a steal is safe in an
// interrupt handler.
//
// The capacity is fixed. A task is queued at most once (its "queued" bit),
// so a deque as large as the task table never fills; if a bug fills it
// anyway, push refuses the item, counts it in deque_overflows() and returns
// false, and the deque stays intact. A pop or a steal of an empty deque
// returns at once with nothing. When the owner and a thief both go for the
// last item, exactly one gets it; the other's pop returns false, or its
// steal DEQUE_RETRY or DEQUE_EMPTY. Every pushed item is popped or stolen
// exactly once.
//
//     static struct deque mine;             // one per CPU, shared with the other CPUs
//     deque_init(&mine);                    // before any other CPU can see it
//     deque_push(&mine, slot);              // owner: a task of ours is ready
//     if (deque_pop(&mine, &slot)) ...      // owner: newest first
//     if (deque_steal(&theirs, &slot) == DEQUE_STOLEN) ...   // another CPU: oldest first
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

// As large as the task table: see above. A power of two, so that a free-
// running index finds its slot with a mask.
#define DEQUE_CAPACITY 64
_Static_assert((DEQUE_CAPACITY & (DEQUE_CAPACITY - 1)) == 0, "a power of two");

// region: deque
struct deque {
    // The items are the indices top <= i < bottom; index i lives in
    // items[i % DEQUE_CAPACITY]. Both indices only count up (64 bits never
    // wrap), except that pop lowers bottom for a moment to claim an item.
    _Atomic int64_t top;    // the oldest item: moved only by a compare-and-swap
    _Atomic int64_t bottom; // the next free index: written by the owner only
    _Atomic uint32_t items[DEQUE_CAPACITY];
    _Atomic uint32_t overflows; // pushes refused because it was full: 0, unless a bug
};
// endregion: deque

enum deque_steal {
    DEQUE_EMPTY,  // nothing to steal
    DEQUE_STOLEN, // *item is the oldest item, now the thief's
    DEQUE_RETRY,  // lost a race for the oldest item to the owner or another thief: try again
};

// An empty deque. Not atomic with respect to anything: call it before the
// deque is shared.
void deque_init(struct deque *d);

// Owner only. Adds `item` at the bottom and returns true; or, if the deque
// holds DEQUE_CAPACITY items (as far as the owner has seen: a steal it has
// not seen yet may just have made room), counts an overflow and returns false.
bool deque_push(struct deque *d, uint32_t item);

// Owner only. Takes the newest item into *item and returns true, or returns
// false (leaving *item alone) when the deque is empty or a thief took its
// last item first.
bool deque_pop(struct deque *d, uint32_t *item);

// Any context: another CPU, several thieves at once, an interrupt handler,
// even one that interrupts the owner's push or pop. Takes the oldest item
// into *item (DEQUE_STOLEN), or finds none (DEQUE_EMPTY, *item left alone),
// or loses the race for it (DEQUE_RETRY, *item left alone): the deque may
// still hold items, and the caller decides whether to try again.
enum deque_steal deque_steal(struct deque *d, uint32_t *item);

// Any context. Whether the deque held no item when it was read; only the
// owner can rely on "not empty" staying true until it pops.
bool deque_is_empty(struct deque *d);

// Any context. Pushes refused because the deque was full, since init.
uint32_t deque_overflows(struct deque *d);

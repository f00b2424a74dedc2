// bench/deque_seqcst.c: chapter 06's deque.c with the change the costs
// appendix recommends, for the figures deque_push_pop_seqcst and
// deque_steal_seqcst: pop's store of bottom and read of top, and steal's two
// reads, are seq_cst accesses instead of relaxed/acquire ones around two
// seq_cst fences. The same argument (the total order S of seq_cst
// operations now holds the four accesses and every CAS of top); on x86 the
// steal loses its `lock or` and the pop trades its `lock or` for an xchg.
// Delete this copy once chapters/06-two-cpus/src/deque.c says the same.
// The work-stealing deque of deque.h: Chase and Lev's deque with the memory
// orders of Lê, Pop, Cohen and Zappa Nardelli, "Correct and Efficient
// Work-Stealing for Weak Memory Models" (PPoPP 2013, figure 1), without the
// array that grows: ours is fixed.
//
// Why no item is lost or taken twice. The items are the indices in [top,
// bottom). Only the owner writes bottom and the slots. top only grows, and
// only by a compare-and-swap from t to t + 1, which claims index t for
// whoever made it: two thieves never take the same index. The owner takes an
// index without a CAS, and that is where the danger lies. Pop first lowers
// bottom to b, which claims index b against any thief that reads bottom
// later, and then reads top:
// - top < b: more than one item. Index b is the owner's. A thief could take
//   it only by finding top == b while bottom still reads above b, and the
//   two seq_cst fences (pop's, after its store of b; steal's, between its
//   reads) rule that out. They fall in one total order. If pop's comes
//   first, the thief's read of bottom sees b or a later value (a later
//   value is a push that put a new item at index b: the thief may take
//   that one). If the thief's comes first, the CAS that moved top to the
//   thief's value happened before the thief's fence (that is what its
//   acquire load of top is for) and, being seq_cst, is in the same total
//   order; so pop's read of top after its own fence sees that value or a
//   later one: not less than b.
// - top == b: the last item, still within reach of a thief that read bottom
//   before it was lowered. Both sides CAS top from b to b + 1, and exactly
//   one wins. The deque is then empty, and pop puts bottom back to b + 1.
// - top > b: it was empty, or thieves emptied it first; pop puts bottom back.
// A thief reads its slot before its CAS, and by then the owner may have
// reused the slot; but only for index t + DEQUE_CAPACITY, which the owner
// pushes only after seeing top above t. Then top has moved, the thief's CAS
// fails and it returns DEQUE_RETRY without the stale item.
//
// Every access to the deque is a katomic.h interrupt point, so host tests
// can land a steal (or a pop) between any two of them. The fences are not:
// on one CPU an interrupt sees the same memory on either side of a fence.
// Accesses: push 4 (3 when full), pop 4 (6 for the last item, 4 when
// empty), steal 4 (2 when empty).
#include "deque.h"

#include "katomic.h"

// Where index i lives. Indices are never negative where a slot is read.
static unsigned slot(int64_t i) { return (unsigned)((uint64_t)i % DEQUE_CAPACITY); }

void deque_init(struct deque *d)
{
    atomic_init(&d->top, 0);
    atomic_init(&d->bottom, 0);
    for (unsigned i = 0; i < DEQUE_CAPACITY; i++)
        atomic_init(&d->items[i], 0);
    atomic_init(&d->overflows, 0);
}

// region: deque_push
bool deque_push(struct deque *d, uint32_t item)
{
    int64_t b = katomic_load(&d->bottom, memory_order_relaxed); // ours: we are its only writer
    // Acquire: pairs with the CAS that moved top, so a thief's read of the
    // slot we are about to reuse is over before we write it.
    int64_t t = katomic_load(&d->top, memory_order_acquire);
    if (b - t >= DEQUE_CAPACITY) {
        katomic_fetch_add(&d->overflows, 1, memory_order_relaxed); // a statistic
        return false;
    }
    katomic_store(&d->items[slot(b)], item, memory_order_relaxed); // published below
    // Release: a thief that reads the new bottom sees the item, and all the
    // owner wrote before pushing it (the task). The paper has a release fence
    // and a relaxed store: the same mov on x86, but ThreadSanitizer does not
    // understand fences.
    katomic_store(&d->bottom, b + 1, memory_order_release);
    return true;
}
// endregion: deque_push

// region: deque_pop
bool deque_pop(struct deque *d, uint32_t *item)
{
    int64_t b = katomic_load(&d->bottom, memory_order_relaxed) - 1; // ours
    // Claims index b. Seq_cst, store and load: the store before the read of
    // top, in the one total order of seq_cst accesses (on x86 an xchg: pop's
    // one costly instruction).
    katomic_store(&d->bottom, b, memory_order_seq_cst);
    int64_t t = katomic_load(&d->top, memory_order_seq_cst);
    if (t > b) {
        katomic_store(&d->bottom, b + 1, memory_order_relaxed); // empty: put bottom back
        return false;
    }
    uint32_t x = katomic_load(&d->items[slot(b)], memory_order_relaxed); // our own write
    if (t == b) {
        // The last item: a thief may be after it too.
        // exercise: 6.2 begin
        // The CAS decides. Seq_cst: every move of top is in the fences'
        // total order (the argument needs it). On failure nothing read is
        // used: relaxed.
        bool won = katomic_compare_exchange(&d->top, &t, t + 1, memory_order_seq_cst,
                                            memory_order_relaxed);
        katomic_store(&d->bottom, b + 1, memory_order_relaxed); // empty either way: top is b + 1
        if (!won)
            return false;
        // exercise: 6.2 end
    }
    *item = x;
    return true;
}
// endregion: deque_pop

// region: deque_steal
enum deque_steal deque_steal(struct deque *d, uint32_t *item)
{
    // exercise: 6.1 begin
    // Seq_cst loads: top before bottom in the total order, against pop's
    // seq_cst store and load (on x86 two plain movs: loads are not reordered
    // with loads, so no fence is needed).
    int64_t t = katomic_load(&d->top, memory_order_seq_cst);
    int64_t b = katomic_load(&d->bottom, memory_order_seq_cst);
    if (t >= b)
        return DEQUE_EMPTY;
    // Relaxed: made visible by the acquire above. If the owner has reused
    // the slot since, top has moved and the CAS below fails.
    uint32_t x = katomic_load(&d->items[slot(t)], memory_order_relaxed);
    // Claims index t. Seq_cst: in the fences' total order, as pop's; its
    // release half also ends our read of the slot before a push reuses it.
    if (!katomic_compare_exchange(&d->top, &t, t + 1, memory_order_seq_cst, memory_order_relaxed))
        return DEQUE_RETRY;
    *item = x;
    return DEQUE_STOLEN;
    // exercise: 6.1 end
}
// endregion: deque_steal

bool deque_is_empty(struct deque *d)
{
    // Acquire on both, as a steal reads them: a caller that sees an item
    // can steal it and find it there.
    int64_t t = katomic_load(&d->top, memory_order_acquire);
    return katomic_load(&d->bottom, memory_order_acquire) <= t;
}

uint32_t deque_overflows(struct deque *d)
{
    return katomic_load(&d->overflows, memory_order_relaxed);
}

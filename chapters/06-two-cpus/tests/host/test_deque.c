// The work-stealing deque: its contract one call at a time, then every
// race the simulated CPU can stage. A thief (or the owner) runs as an
// interrupt handler landed at each interrupt point of the other side's call,
// and afterwards every item must have been taken exactly once: by the race,
// or by the owner popping what is left. No case is random: every point, every
// starting length, and a pinned seed for the long run against a model.
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>

#include "deque.h"
#include "katomic.h"
#include "simcpu.h"
#include "testing.h"

TestSuite(deque, .timeout = 10);
TestSuite(deque_race, .timeout = 20);
TestSuite(deque_steal, .timeout = 10);     // exercise 6.1: the thief's side, no pop
TestSuite(deque_last_item, .timeout = 10); // exercise 6.2: the owner's last item, no steal

#define IRQ 1
#define CAP DEQUE_CAPACITY

static struct deque dq;
static unsigned taken[CAP + 2]; // times item i was taken (items are 1..n)

static void take(uint32_t item)
{
    cr_assert(item >= 1 && item <= CAP + 1, "took %u, which was never pushed", item);
    taken[item]++;
}

// An empty deque whose indices start at `start` (white box: where the free-
// running indices are is the deque's whole state), holding items 1..n.
static void fresh(int64_t start, unsigned n)
{
    simcpu_reset();
    deque_init(&dq);
    atomic_store(&dq.top, start);
    atomic_store(&dq.bottom, start);
    memset(taken, 0, sizeof taken);
    for (uint32_t i = 1; i <= n; i++)
        cr_assert(deque_push(&dq, i));
}

static int64_t length(void) { return atomic_load(&dq.bottom) - atomic_load(&dq.top); }

// ---- deque: the contract, one call at a time ----

Test(deque, starts_empty)
{
    fresh(0, 0);
    uint32_t x = 77;
    cr_assert_not(deque_pop(&dq, &x), "pop of an empty deque");
    ASSERT_EQ(deque_steal(&dq, &x), DEQUE_EMPTY, "steal of an empty deque");
    ASSERT_EQ(x, 77, "neither touches *item");
    cr_assert(deque_is_empty(&dq));
    ASSERT_EQ(deque_overflows(&dq), 0);
    ASSERT_EQ(length(), 0, "a failed pop puts bottom back");
}

Test(deque, pop_takes_the_newest_first)
{
    fresh(0, 5);
    for (uint32_t want = 5; want >= 1; want--) {
        uint32_t x = 0;
        cr_assert(deque_pop(&dq, &x), "pop with %u items", want);
        ASSERT_EQ(x, want);
        ASSERT_EQ(length(), want - 1);
    }
    uint32_t x;
    cr_assert_not(deque_pop(&dq, &x));
    cr_assert(deque_is_empty(&dq));
}

Test(deque, steal_takes_the_oldest_first)
{
    fresh(0, 5);
    for (uint32_t want = 1; want <= 5; want++) {
        uint32_t x = 0;
        ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN, "steal with %u items", 6 - want);
        ASSERT_EQ(x, want);
    }
    uint32_t x;
    ASSERT_EQ(deque_steal(&dq, &x), DEQUE_EMPTY);
    ASSERT_EQ(atomic_load(&dq.top), 5, "each steal moved top by one");
}

Test(deque, the_two_ends_meet_and_each_item_comes_out_once)
{
    for (unsigned n = 1; n <= 9; n++) {
        fresh(0, n);
        uint32_t x, low = 1, high = n;
        for (unsigned i = 0; i < n; i++) {
            if (i % 2) {
                cr_assert(deque_pop(&dq, &x), "n=%u take %u", n, i);
                ASSERT_EQ(x, high--, "n=%u", n);
            } else {
                ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN, "n=%u take %u", n, i);
                ASSERT_EQ(x, low++, "n=%u", n);
            }
        }
        cr_assert_not(deque_pop(&dq, &x), "n=%u: all taken", n);
        ASSERT_EQ(deque_steal(&dq, &x), DEQUE_EMPTY, "n=%u", n);
        ASSERT_EQ(length(), 0, "n=%u", n);
    }
}

Test(deque, a_full_deque_refuses_counts_and_keeps_its_items)
{
    fresh(0, CAP);
    cr_assert_not(deque_is_empty(&dq));
    for (unsigned extra = 1; extra <= 3; extra++) {
        cr_assert_not(deque_push(&dq, CAP + 1), "push %u beyond the capacity", extra);
        ASSERT_EQ(deque_overflows(&dq), extra, "each refused push is counted");
    }
    ASSERT_EQ(length(), CAP, "a refused push moves nothing");
    uint32_t x;
    ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN);
    ASSERT_EQ(x, 1, "the oldest is still item 1: nothing was overwritten");
    for (uint32_t want = CAP; want >= 2; want--) {
        cr_assert(deque_pop(&dq, &x));
        ASSERT_EQ(x, want);
    }
    cr_assert(deque_is_empty(&dq));
}

Test(deque, a_steal_makes_room_for_a_push)
{
    fresh(0, CAP);
    uint32_t x;
    ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN);
    cr_assert(deque_push(&dq, CAP + 1), "one slot free after a steal");
    ASSERT_EQ(atomic_load(&dq.items[0]), CAP + 1, "the push reused the stolen item's slot");
    cr_assert_not(deque_push(&dq, 99), "full again");
    ASSERT_EQ(deque_overflows(&dq), 1);
    cr_assert(deque_pop(&dq, &x));
    ASSERT_EQ(x, CAP + 1);
}

// The indices run freely: items straddle the end of the array, and the
// 64-bit indices can start anywhere (here far from zero).
Test(deque, slots_follow_the_free_running_indices)
{
    int64_t starts[] = {CAP - 3, ((int64_t)1 << 40) + 5};
    for (unsigned s = 0; s < 2; s++) {
        fresh(starts[s], 6);
        uint32_t x;
        ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN);
        ASSERT_EQ(x, 1, "start %lld", (long long)starts[s]);
        cr_assert(deque_pop(&dq, &x));
        ASSERT_EQ(x, 6, "start %lld", (long long)starts[s]);
        ASSERT_EQ(length(), 4);
        ASSERT_EQ(atomic_load(&dq.bottom), starts[s] + 5, "start %lld", (long long)starts[s]);
    }
}

// A long sequence of pushes, pops and steals (one at a time) against the
// obvious model: an array from top to bottom. Pinned seed: the same every run.
Test(deque, random_calls_match_a_model)
{
    uint32_t model[CAP], top = 0, bottom = 0, overflows = 0, next = 1, rng = 0x2545F491u;
    fresh(0, 0);
    for (int i = 0; i < 200000; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        // Phases that favour pushes, then takes, so it fills and empties.
        unsigned pick = rng % 100, pushes = (i / 1000) % 2 ? 30 : 70;
        uint32_t x = 0;
        if (pick < pushes) {
            bool room = bottom - top < CAP;
            ASSERT_EQ(deque_push(&dq, next), room, "step %d", i);
            if (room)
                model[bottom++ % CAP] = next;
            else
                overflows++;
            next++;
        } else if (pick < pushes + (100 - pushes) / 2) {
            ASSERT_EQ(deque_pop(&dq, &x), top != bottom, "step %d", i);
            if (top != bottom)
                ASSERT_EQ(x, model[--bottom % CAP], "step %d: pop", i);
        } else {
            ASSERT_EQ(deque_steal(&dq, &x), top != bottom ? DEQUE_STOLEN : DEQUE_EMPTY, "step %d",
                      i);
            if (top != bottom)
                ASSERT_EQ(x, model[top++ % CAP], "step %d: steal", i);
        }
        ASSERT_EQ(deque_is_empty(&dq), top == bottom, "step %d", i);
    }
    ASSERT_EQ(deque_overflows(&dq), overflows);
    cr_assert(overflows > 0 && next > 50000, "the run filled the deque and went on");
}

// ---- 6.1: the thief's side (these tests never pop, so 6.2 does not matter) ----

Test(deque_steal, takes_the_oldest_first_then_finds_nothing)
{
    unsigned n = (unsigned)test_random_range(1, CAP);
    fresh(0, n);
    for (uint32_t want = 1; want <= n; want++) {
        uint32_t x = 0;
        ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN, "steal %u of %u", want, n);
        ASSERT_EQ(x, want, "the oldest item first");
        ASSERT_EQ(atomic_load(&dq.top), want, "each steal moves top by one");
    }
    uint32_t x = 77;
    ASSERT_EQ(deque_steal(&dq, &x), DEQUE_EMPTY, "all %u stolen", n);
    ASSERT_EQ(x, 77, "an empty steal leaves *item alone");
    ASSERT_EQ(atomic_load(&dq.bottom), n, "a thief never touches bottom");
}

Test(deque_steal, finds_each_item_at_its_index_across_the_end_of_the_array)
{
    int64_t start = 5 * CAP - 3; // items 1..6 straddle the end of the array
    fresh(start, 6);
    for (uint32_t want = 1; want <= 6; want++) {
        uint32_t x = 0;
        ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN);
        ASSERT_EQ(x, want, "the item at index %lld", (long long)(start + want - 1));
    }
}

// Another thief on another CPU claims the oldest item, by hand, at each
// point of our steal. Wherever it lands, each item is taken once: our steal
// gets the next item, or says DEQUE_RETRY (its CAS found top moved) and
// takes nothing; trying again gets the next one.
static uint32_t other_thief_got;
static void other_thief_claims(void)
{
    int64_t t = atomic_load(&dq.top);
    if (t < atomic_load(&dq.bottom) && atomic_compare_exchange_strong(&dq.top, &t, t + 1))
        other_thief_got = atomic_load(&dq.items[(uint64_t)t % CAP]);
}

Test(deque_steal, a_thief_that_loses_the_race_says_retry_and_takes_nothing)
{
    fresh(0, 2);
    uint64_t before = simcpu_points();
    uint32_t x;
    deque_steal(&dq, &x);
    uint64_t points = simcpu_points() - before;
    unsigned retries = 0;
    for (uint64_t k = 1; k <= points; k++) {
        fresh(0, 2);
        other_thief_got = 0;
        simcpu_set_handler(IRQ, other_thief_claims);
        simcpu_raise_at_point(IRQ, k);
        x = 0;
        enum deque_steal got = deque_steal(&dq, &x);
        simcpu_raise_at_point(IRQ, 0);
        if (got == DEQUE_RETRY) {
            retries++;
            ASSERT_EQ(x, 0, "k=%llu: a lost race leaves *item alone", (unsigned long long)k);
            got = deque_steal(&dq, &x);
        }
        ASSERT_EQ(got, DEQUE_STOLEN, "k=%llu", (unsigned long long)k);
        cr_assert(other_thief_got != 0 && x != 0 && x != other_thief_got,
                  "k=%llu: the other thief got %u, this one %u: one each", (unsigned long long)k,
                  other_thief_got, x);
        ASSERT_EQ(deque_steal(&dq, &x), DEQUE_EMPTY, "k=%llu: both taken", (unsigned long long)k);
    }
    cr_assert_geq(retries, 1, "the other thief's claim between our reads and our CAS: RETRY");
}

Test(deque_steal, a_full_deque_has_room_again_after_a_steal)
{
    fresh(0, CAP);
    cr_assert_not(deque_push(&dq, CAP + 1), "full");
    uint32_t x;
    ASSERT_EQ(deque_steal(&dq, &x), DEQUE_STOLEN);
    ASSERT_EQ(x, 1);
    cr_assert(deque_push(&dq, CAP + 1), "the stolen item's slot is free for a push");
}

// ---- 6.2: the last item (these tests never call deque_steal) ----

Test(deque_last_item, a_pop_with_no_thief_about_takes_it)
{
    int64_t start = test_random_range(0, 4 * CAP);
    fresh(start, 1);
    uint32_t x = 0;
    cr_assert(deque_pop(&dq, &x), "the only item, at index %lld", (long long)start);
    ASSERT_EQ(x, 1);
    ASSERT_EQ(length(), 0, "empty, and bottom put back");
    ASSERT_EQ(atomic_load(&dq.top), start + 1, "the pop claimed it by moving top");
    cr_assert_not(deque_pop(&dq, &x), "nothing left");
    cr_assert(deque_push(&dq, 9) && deque_pop(&dq, &x) && x == 9, "the deque works on");
}

Test(deque_last_item, pops_down_to_the_last_item_and_it_comes_out_once)
{
    fresh(0, 3);
    uint32_t x;
    for (uint32_t want = 3; want >= 1; want--) {
        cr_assert(deque_pop(&dq, &x), "pop with %u items", want);
        ASSERT_EQ(x, want);
    }
    cr_assert_not(deque_pop(&dq, &x));
    ASSERT_EQ(length(), 0);
}

// ---- counting interrupt points ----

// How many interrupt points one katomic.h access is (today one, before it;
// katomic.h decides). The tests count a call's accesses by kind and ask.
struct accesses {
    unsigned loads, stores, rmws;
};

static uint64_t points_of(struct accesses a)
{
    _Atomic int64_t probe = 0;
    int64_t expected = 0;
    uint64_t start = simcpu_points();
    (void)katomic_load(&probe, memory_order_relaxed);
    uint64_t load = simcpu_points() - start;
    katomic_store(&probe, 1, memory_order_relaxed);
    uint64_t store = simcpu_points() - start - load;
    katomic_compare_exchange(&probe, &expected, 2, memory_order_seq_cst, memory_order_relaxed);
    uint64_t rmw = simcpu_points() - start - load - store;
    return a.loads * load + a.stores * store + a.rmws * rmw;
}

// The victim of a race: one call, which takes what it gets.
static bool pushed; // what the last op_push returned
static void op_push(void) { pushed = deque_push(&dq, CAP + 1); }
static bool popped; // what the last op_pop returned
static void op_pop(void)
{
    uint32_t x;
    if ((popped = deque_pop(&dq, &x)))
        take(x);
}
static enum deque_steal stolen; // what the last op_steal returned
static void op_steal(void)
{
    uint32_t x;
    if ((stolen = deque_steal(&dq, &x)) == DEQUE_STOLEN)
        take(x);
}

// The points `op` walks on the deque fresh(start, n) leaves, with no interrupt.
static uint64_t walk_length(void (*op)(void), int64_t start, unsigned n)
{
    fresh(start, n);
    uint64_t before = simcpu_points();
    op();
    return simcpu_points() - before;
}

Test(deque, each_call_walks_one_point_per_access)
{
    struct {
        void (*op)(void);
        unsigned n;
        struct accesses a;
        const char *what;
    } calls[] = {
        {op_push, 0, {2, 2, 0}, "push: load bottom, load top, store the item, store bottom"},
        {op_push, CAP, {2, 0, 1}, "push when full: load bottom, load top, count"},
        {op_pop, 0, {2, 2, 0}, "pop of nothing: load bottom, lower it, load top, put it back"},
        {op_pop, 2, {3, 1, 0}, "pop of one of two: load bottom, lower it, load top, the item"},
        {op_pop, 1, {3, 2, 1}, "pop of the last: ..., the item, CAS top, put bottom back"},
        {op_steal, 0, {2, 0, 0}, "steal of nothing: load top, load bottom"},
        {op_steal, 1, {3, 0, 1}, "steal: load top, load bottom, the item, CAS top"},
    };
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++)
        ASSERT_EQ(walk_length(calls[i].op, 0, calls[i].n), points_of(calls[i].a), "%s",
                  calls[i].what);
}

// ---- deque_race: every interleaving the simulated CPU can stage ----

// The interrupt handlers: a whole steal, or a whole pop, by the other side.
static void thief_irq(void)
{
    uint32_t x;
    if (deque_steal(&dq, &x) == DEQUE_STOLEN)
        take(x);
}
static void owner_irq(void) { op_pop(); }

// After a race: the owner pops what is left (nothing can interrupt now), and
// every item 1..n, and the racing push's (CAP + 1) if it went in, was taken
// once. Returns how many items were not.
static unsigned check_exactly_once(unsigned n, bool pushed_one, const char *race, uint64_t k)
{
    uint32_t x;
    while (deque_pop(&dq, &x))
        take(x);
    ASSERT_EQ(length(), 0, "%s, interrupt at point %llu", race, (unsigned long long)k);
    unsigned wrong = 0;
    for (unsigned i = 1; i <= CAP + 1; i++)
        wrong += taken[i] != (i <= n || (i == CAP + 1 && pushed_one));
    return wrong;
}

struct walk {
    const char *protocol; // for the points: line
    void (*op)(void);     // the call interrupted
    void (*irq)(void);    // the handler landed in it
    unsigned n;           // items before the race
};

// Lands w->irq at each point of w->op in turn, from two starting indices
// (one puts the items across the end of the array). Every run must take
// each item exactly once; returns the runs that did not, for the naive walk.
static unsigned walk_every_point(const struct walk *w, bool naive)
{
    int64_t starts[] = {0, CAP - 1};
    uint64_t walked = walk_length(w->op, 0, w->n), landed = 0;
    unsigned wrong_runs = 0;
    for (unsigned s = 0; s < 2; s++) {
        for (uint64_t k = 1; k <= walked; k++) {
            fresh(starts[s], w->n);
            simcpu_set_handler(IRQ, w->irq);
            simcpu_raise_at_point(IRQ, k);
            w->op();
            simcpu_raise_at_point(IRQ, 0);
            ASSERT_EQ(simcpu_delivered(IRQ), 1, "%s with %u items: the interrupt landed at %llu",
                      w->protocol, w->n, (unsigned long long)k);
            landed++;
            unsigned wrong = check_exactly_once(w->n, w->op == op_push && pushed, w->protocol, k);
            if (!naive)
                ASSERT_EQ(wrong, 0,
                          "%s with %u items from index %lld, interrupt at point %llu: "
                          "an item was lost or taken twice",
                          w->protocol, w->n, (long long)starts[s], (unsigned long long)k);
            wrong_runs += wrong > 0;
        }
    }
    test_points(w->protocol, naive, 2 * walked, landed, wrong_runs);
    return wrong_runs;
}

Test(deque_race, a_steal_at_every_point_of_pop)
{
    for (unsigned n = 0; n <= 3; n++)
        walk_every_point(&(struct walk){"deque.pop", op_pop, thief_irq, n}, false);
}

Test(deque_race, a_steal_at_every_point_of_push)
{
    unsigned lengths[] = {0, 1, CAP - 1, CAP};
    for (unsigned i = 0; i < 4; i++)
        walk_every_point(&(struct walk){"deque.push", op_push, thief_irq, lengths[i]}, false);
}

Test(deque_race, a_pop_at_every_point_of_steal)
{
    for (unsigned n = 0; n <= 3; n++)
        walk_every_point(&(struct walk){"deque.steal", op_steal, owner_irq, n}, false);
}

Test(deque_race, a_steal_at_every_point_of_steal)
{
    for (unsigned n = 0; n <= 3; n++)
        walk_every_point(&(struct walk){"deque.steal+steal", op_steal, thief_irq, n}, false);
}

// The last item, with the owner's pop landed at each point of a steal: where
// it lands between the thief's reads and its CAS, the pop's CAS takes the
// item and the thief's fails (DEQUE_RETRY). No run gives the item to both,
// or to neither. (The other way round, a steal landed in a pop finds bottom
// already lowered, or comes before the pop has read top: see
// a_steal_at_every_point_of_pop.)
Test(deque_race, the_last_item_goes_to_exactly_one_side)
{
    uint64_t walked = walk_length(op_steal, 0, 1);
    unsigned retries = 0;
    for (uint64_t k = 1; k <= walked; k++) {
        fresh(0, 1);
        simcpu_set_handler(IRQ, owner_irq);
        simcpu_raise_at_point(IRQ, k);
        op_steal();
        simcpu_raise_at_point(IRQ, 0);
        ASSERT_EQ(taken[1], 1, "pop at point %llu of steal", (unsigned long long)k);
        retries += stolen == DEQUE_RETRY && popped;
    }
    cr_assert(retries >= 1, "a pop landed between the thief's reads and its CAS: RETRY");
}

// A thief on another CPU that read top and bottom before the pop began, and
// makes its CAS at each point of the pop in turn: the interleaving that two
// whole calls, one inside the other, cannot stage. Its steps are steal's,
// done by hand with plain atomics (not interrupt points).
static int64_t thief_top;
static uint32_t thief_item;
static void thief_claims(void)
{
    int64_t t = thief_top;
    if (atomic_compare_exchange_strong(&dq.top, &t, t + 1))
        take(thief_item);
}

Test(deque_race, pop_loses_the_last_item_to_a_thief_that_read_first)
{
    uint64_t cas_path = walk_length(op_pop, 0, 1), lost_cas = 0;
    for (uint64_t k = 1; k <= cas_path; k++) {
        fresh(0, 1);
        thief_top = atomic_load(&dq.top);
        cr_assert(thief_top < atomic_load(&dq.bottom), "the thief sees one item");
        thief_item = atomic_load(&dq.items[thief_top % CAP]);
        simcpu_set_handler(IRQ, thief_claims);
        simcpu_raise_at_point(IRQ, k);
        uint64_t before = simcpu_points();
        op_pop();
        uint64_t path = simcpu_points() - before;
        simcpu_raise_at_point(IRQ, 0); // in case the pop ended before point k
        ASSERT_EQ(check_exactly_once(1, false, "a thief's CAS in pop", k), 0,
                  "the thief's CAS at point %llu of pop: the item lost or taken twice",
                  (unsigned long long)k);
        lost_cas += path == cas_path && !popped;
    }
    test_points("deque.pop+late_cas", false, cas_path, cas_path, 0); // the asserts above
    cr_assert(lost_cas >= 1, "in some run the pop made its CAS and lost it to the thief");
}

// ---- the naive version, shown failing ----

// A steal with the same reads, that claims the item with a plain store to
// top instead of the CAS: nothing tells it that the owner took the item
// in the meantime.
static enum deque_steal naive_steal(struct deque *d, uint32_t *item)
{
    int64_t t = katomic_load(&d->top, memory_order_acquire);
    atomic_thread_fence(memory_order_seq_cst);
    int64_t b = katomic_load(&d->bottom, memory_order_acquire);
    if (t >= b)
        return DEQUE_EMPTY;
    *item = katomic_load(&d->items[t % CAP], memory_order_relaxed);
    katomic_store(&d->top, t + 1, memory_order_release);
    return DEQUE_STOLEN;
}

static void op_naive_steal(void)
{
    uint32_t x;
    if (naive_steal(&dq, &x) == DEQUE_STOLEN)
        take(x);
}

// The owner's pop landed between the naive thief's reads and its store:
// the pop's CAS wins the last item, and the thief, which never asks, takes
// it too.
Test(deque_race, the_naive_steal_takes_the_last_item_twice)
{
    unsigned wrong = 0;
    for (unsigned n = 1; n <= 3; n++)
        wrong +=
            walk_every_point(&(struct walk){"deque.steal", op_naive_steal, owner_irq, n}, true);
    cr_assert(wrong >= 1, "the naive steal never took an item twice: the walk cannot see it");
    cr_assert(wrong >= 2, "from both starting indices");
}

// Exercises 3.3 (atomic_waker_register) and 3.4 (atomic_waker_wake). Each
// suite plays the other side by hand (by_hand.h), so register's tests do not
// need wake and wake's do not need register. The wakers are probes: each
// counts what was done with it.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "atomic_waker.h"
#include "by_hand.h"
#include "katomic.h"
#include "mem.h"
#include "simcpu.h"
#include "testing.h"

TestSuite(waker_register, .timeout = 10);
TestSuite(waker_wake, .timeout = 10);
TestSuite(atomic_waker, .timeout = 10); // both sides together: not graded

#define IRQ         1
#define REGISTERING ATOMIC_WAKER_REGISTERING
#define WAKING      ATOMIC_WAKER_WAKING

// A waker that counts, per instance, so a test can tell two wakers apart.
struct probe {
    unsigned clones, wakes, wake_by_refs, drops;
};

static struct waker probe_clone(const void *data);
static void probe_wake(const void *data) { ((struct probe *)data)->wakes++; }
static void probe_wake_by_ref(const void *data) { ((struct probe *)data)->wake_by_refs++; }
static void probe_drop(const void *data) { ((struct probe *)data)->drops++; }

static const struct waker_vtable probe_vtable = {
    .clone = probe_clone,
    .wake = probe_wake,
    .wake_by_ref = probe_wake_by_ref,
    .drop = probe_drop,
};

static struct waker probe_clone(const void *data)
{
    ((struct probe *)data)->clones++;
    return (struct waker){data, &probe_vtable};
}

static struct waker probe_waker(struct probe *p)
{
    *p = (struct probe){0};
    return (struct waker){p, &probe_vtable};
}

// Clones the atomic waker still holds (or leaked).
static long outstanding(const struct probe *p)
{
    return (long)p->clones - (long)p->wakes - (long)p->drops;
}

static bool woken(const struct probe *p) { return p->wakes + p->wake_by_refs > 0; }

static unsigned state_of(struct atomic_waker *aw) { return atomic_load(&aw->state); }
static bool holds(struct atomic_waker *aw, const struct probe *p)
{
    return aw->waker.vtable == &probe_vtable && aw->waker.data == p;
}

// The interrupt of these tests: a producer (set the flag, then wake) or an
// observer of the state.
static struct atomic_waker *irq_aw;
static _Atomic bool flag;
static unsigned seen_state;
static bool use_real_wake;
static void producer_irq(void)
{
    atomic_store(&flag, true);
    if (use_real_wake)
        atomic_waker_wake(irq_aw);
    else
        by_hand_wake(irq_aw);
    seen_state = state_of(irq_aw);
}

static void setup_irq(struct atomic_waker *aw, bool real_wake)
{
    simcpu_reset();
    atomic_waker_init(aw);
    irq_aw = aw;
    atomic_store(&flag, false);
    seen_state = 99;
    use_real_wake = real_wake;
    simcpu_set_handler(IRQ, producer_irq);
}

// ---- waker_register: exercise 3.3 ----

Test(waker_register, stores_a_clone_and_goes_back_to_waiting)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    atomic_waker_register(&aw, &w);
    ASSERT_EQ(p.clones, 1, "the borrowed waker is cloned");
    cr_assert(holds(&aw, &p), "and the clone is stored");
    ASSERT_EQ(state_of(&aw), ATOMIC_WAKER_WAITING, "REGISTERING -> WAITING at the end");
    ASSERT_EQ(p.wakes + p.wake_by_refs + p.drops, 0, "nothing else done with it");
}

Test(waker_register, an_equal_waker_is_kept_without_a_clone)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    long n = test_random_range(2, 20);
    for (long i = 0; i < n; i++)
        atomic_waker_register(&aw, &w);
    ASSERT_EQ(p.clones, 1, "%ld registers of a waker that will_wake the stored one", n);
    ASSERT_EQ(p.drops, 0, "the stored one is kept");
    cr_assert(holds(&aw, &p));
}

Test(waker_register, a_different_waker_replaces_the_old_dropped_once)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe a, b;
    struct waker wa = probe_waker(&a), wb = probe_waker(&b);
    atomic_waker_register(&aw, &wa);
    atomic_waker_register(&aw, &wb);
    ASSERT_EQ(a.drops, 1, "the replaced waker is dropped");
    ASSERT_EQ(outstanding(&a), 0, "exactly once");
    ASSERT_EQ(b.clones, 1);
    cr_assert(holds(&aw, &b));
    atomic_waker_register(&aw, &wa);
    ASSERT_EQ(b.drops, 1);
    ASSERT_EQ(outstanding(&b), 0);
    ASSERT_EQ(outstanding(&a), 1, "a again: one clone held");
    ASSERT_EQ(a.wakes + a.wake_by_refs + b.wakes + b.wake_by_refs, 0, "nobody woken");
}

// WAKING seen by register: only on SMP (a wake running on another CPU).
Test(waker_register, a_wake_in_progress_wakes_the_new_waker_by_ref)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe a, b;
    struct waker wa = probe_waker(&a), wb = probe_waker(&b);
    by_hand_register(&aw, &wa);
    atomic_store(&aw.state, WAKING);
    atomic_waker_register(&aw, &wb);
    ASSERT_EQ(b.wake_by_refs, 1, "the caller is woken to poll again");
    ASSERT_EQ(b.clones, 0, "and nothing is stored: the wake owns the slot");
    cr_assert(holds(&aw, &a), "the wake's waker is left to the wake");
    ASSERT_EQ(a.drops + a.wakes, 0);
    ASSERT_EQ(state_of(&aw), WAKING, "register leaves the wake's state alone");
}

// The race "safely handled": a wake between register's two compare-exchanges.
Test(waker_register, a_wake_during_registration_is_delivered_by_register)
{
    struct atomic_waker aw;
    setup_irq(&aw, false);
    struct probe a, b;
    struct waker wa = probe_waker(&a), wb = probe_waker(&b);
    for (int replace = 0; replace <= 1; replace++) { // into an empty slot, then replacing
        setup_irq(&aw, false);
        wa = probe_waker(&a);
        wb = probe_waker(&b);
        if (replace)
            atomic_waker_register(&aw, &wa);
        simcpu_raise_at_point(IRQ, 2); // just after R1
        uint64_t before = simcpu_points();
        atomic_waker_register(&aw, &wb);
        ASSERT_EQ(simcpu_delivered(IRQ), 1);
        ASSERT_EQ(seen_state, REGISTERING | WAKING, "the wake left its bit for register");
        ASSERT_EQ(b.wakes, 1, "register took its clone back and woke it");
        ASSERT_EQ(outstanding(&b), 0, "the clone consumed");
        cr_assert_null(aw.waker.vtable, "the slot is empty");
        ASSERT_EQ(state_of(&aw), ATOMIC_WAKER_WAITING, "REGISTERING|WAKING -> WAITING");
        ASSERT_EQ(simcpu_points() - before, 6,
                  "around R1, R2 (failed) and the exchange back to WAITING");
        if (replace) {
            ASSERT_EQ(a.drops, 1, "the replaced waker dropped once");
            ASSERT_EQ(outstanding(&a), 0);
            ASSERT_EQ(a.wakes, 0);
        }
    }
}

Test(waker_register, walks_four_interrupt_points)
{
    simcpu_reset();
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    for (int i = 0; i < 2; i++) { // storing, then keeping
        uint64_t before = simcpu_points();
        atomic_waker_register(&aw, &w);
        ASSERT_EQ(simcpu_points() - before, 4, "register %d: before and after R1 and R2", i + 1);
    }
}

// The waiting side's protocol, right (register, then check) and naive
// (check, then register), with the producer interrupt (set the flag, wake)
// at point k. Appends "k<k>:" and what happened to trace: "seen" (the check
// saw the flag), "woken" (the waker was woken) or "lost" (neither: the task
// would sleep with the flag set).
static void register_then_check(struct atomic_waker *aw, const struct waker *w, bool *seen)
{
    atomic_waker_register(aw, w);
    *seen = katomic_load(&flag, memory_order_acquire);
}

static void check_then_register(struct atomic_waker *aw, const struct waker *w, bool *seen)
{
    *seen = katomic_load(&flag, memory_order_acquire);
    if (!*seen)
        atomic_waker_register(aw, w);
}

static uint64_t walk(void (*protocol)(struct atomic_waker *, const struct waker *, bool *),
                     uint64_t k, char *trace, size_t size)
{
    struct atomic_waker aw;
    setup_irq(&aw, false);
    struct probe p;
    struct waker w = probe_waker(&p);
    bool seen = false;
    simcpu_raise_at_point(IRQ, k);
    uint64_t before = simcpu_points();
    protocol(&aw, &w, &seen);
    uint64_t points = simcpu_points() - before;
    simcpu_raise_at_point(IRQ, 0);
    if (k) {
        ASSERT_EQ(simcpu_delivered(IRQ), 1, "k=%llu: the interrupt landed", (unsigned long long)k);
        size_t len = strlen(trace);
        snprintf(trace + len, size - len, "%sk%llu:%s", len ? " " : "", (unsigned long long)k,
                 woken(&p) && seen ? "woken+seen"
                 : woken(&p)       ? "woken"
                 : seen            ? "seen"
                                   : "lost");
    }
    return points;
}

Test(waker_register, producer_at_every_point_loses_no_wakeup)
{
    uint64_t n = walk(register_then_check, 0, NULL, 0);
    ASSERT_EQ(n, 5, "register (around R1, around R2) then the check");
    char trace[256] = "";
    for (uint64_t k = 1; k <= n; k++)
        walk(register_then_check, k, trace, sizeof trace);
    cr_assert_not(strstr(trace, "lost"), "a lost wakeup: %s", trace);
    test_points("atomic_waker.register_then_check", false, n, n, test_count(trace, "lost"));
    // Before R1: the wake finds no waker, the check sees the flag. Between R1
    // and R2: register delivers the wake. After R2: the wake wakes the waker.
    ASSERT_STR_EQ(trace, "k1:seen k2:woken+seen k3:woken+seen k4:woken+seen k5:woken+seen");
}

// The naive order loses the wakeup at k=2: the interrupt lands after the
// check found nothing and before register stored the waker, so its wake finds
// nobody, and nobody wakes the waker stored after it.
Test(waker_register, naive_check_then_register_loses_a_wakeup_at_point_2)
{
    uint64_t n = walk(check_then_register, 0, NULL, 0);
    ASSERT_EQ(n, 5, "the check, then register (around R1, around R2)");
    char trace[256] = "";
    for (uint64_t k = 1; k <= n; k++)
        walk(check_then_register, k, trace, sizeof trace);
    ASSERT_STR_EQ(trace, "k1:seen k2:lost k3:woken k4:woken k5:woken");
    test_points("atomic_waker.register_then_check", true, n, n, test_count(trace, "lost"));
}

// ---- waker_wake: exercise 3.4 ----

Test(waker_wake, with_nothing_registered_does_nothing)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    for (int i = 0; i < 3; i++)
        atomic_waker_wake(&aw);
    ASSERT_EQ(state_of(&aw), ATOMIC_WAKER_WAITING, "WAITING -> WAKING -> WAITING");
    cr_assert_null(aw.waker.vtable);
}

Test(waker_wake, takes_the_waker_and_consumes_it)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    by_hand_register(&aw, &w);
    atomic_waker_wake(&aw);
    ASSERT_EQ(p.wakes, 1, "woken with waker_wake (it consumes the clone)");
    ASSERT_EQ(p.wake_by_refs, 0);
    ASSERT_EQ(outstanding(&p), 0, "no clone left behind");
    cr_assert_null(aw.waker.vtable, "the slot is empty");
    ASSERT_EQ(state_of(&aw), ATOMIC_WAKER_WAITING);
}

Test(waker_wake, wakes_do_not_queue_up)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    by_hand_register(&aw, &w);
    long n = test_random_range(2, 20);
    for (long i = 0; i < n; i++)
        atomic_waker_wake(&aw);
    ASSERT_EQ(p.wakes, 1, "%ld wakes, one registration", n);
    ASSERT_EQ(outstanding(&p), 0, "the later wakes found the slot empty");
}

// A wake interrupting a register (the one race on one CPU): hands over.
Test(waker_wake, during_a_register_only_leaves_its_bit)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    by_hand_register(&aw, &w);
    atomic_store(&aw.state, REGISTERING);
    atomic_waker_wake(&aw);
    ASSERT_EQ(state_of(&aw), REGISTERING | WAKING, "REGISTERING -> REGISTERING|WAKING");
    cr_assert(holds(&aw, &p), "the slot is register's: untouched");
    ASSERT_EQ(p.wakes + p.wake_by_refs + p.drops, 0, "register will wake it");
}

// Only on SMP: two wakes at once. The first owns the slot.
Test(waker_wake, during_another_wake_does_nothing)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    by_hand_register(&aw, &w);
    atomic_store(&aw.state, WAKING);
    atomic_waker_wake(&aw);
    ASSERT_EQ(state_of(&aw), WAKING);
    cr_assert(holds(&aw, &p));
    ASSERT_EQ(p.wakes + p.drops, 0, "the other wake takes it");
}

static struct atomic_waker *wake_aw;
static void wake_irq(void) { atomic_waker_wake(wake_aw); }

Test(waker_wake, from_an_interrupt_allocates_nothing)
{
    simcpu_reset();
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    by_hand_register(&aw, &w);
    wake_aw = &aw;
    simcpu_set_handler(IRQ, wake_irq);
    struct mem_stats before = mem_stats();
    simcpu_raise(IRQ);
    ASSERT_EQ(simcpu_delivered(IRQ), 1);
    ASSERT_EQ(p.wakes, 1);
    ASSERT_EQ(mem_stats().total_allocations, before.total_allocations);
    ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
}

Test(waker_wake, walks_four_interrupt_points)
{
    simcpu_reset();
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    by_hand_register(&aw, &w);
    uint64_t before = simcpu_points();
    atomic_waker_wake(&aw);
    ASSERT_EQ(simcpu_points() - before, 4, "around the fetch_or and the fetch_and");
    ASSERT_EQ(p.wakes, 1);
}

// ---- atomic_waker: both sides ----

Test(atomic_waker, register_then_wake)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    atomic_waker_register(&aw, &w);
    atomic_waker_wake(&aw);
    ASSERT_EQ(p.wakes, 1);
    ASSERT_EQ(outstanding(&p), 0);
    atomic_waker_register(&aw, &w);
    ASSERT_EQ(p.clones, 2, "after a wake, a register stores a fresh clone");
}

// The contract's "not lost": the wake finds nobody, and the waiter's
// register-then-check sees the data instead.
Test(atomic_waker, wake_then_register)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    atomic_waker_wake(&aw);
    atomic_waker_register(&aw, &w);
    ASSERT_EQ(p.wakes + p.wake_by_refs, 0, "an earlier wake does not wake a later register");
    cr_assert(holds(&aw, &p));
    atomic_waker_wake(&aw);
    ASSERT_EQ(p.wakes, 1, "the next wake does");
}

// Every transition of the state diagram, as the sequence of states seen: an
// observer interrupt reads the state in the middle of each operation.
static void observe_irq(void) { seen_state = state_of(irq_aw); }

Test(atomic_waker, every_transition)
{
    struct atomic_waker aw;
    struct probe p;
    struct waker w = probe_waker(&p);
    char trace[256] = "";
    // register: WAITING -> REGISTERING -> WAITING
    setup_irq(&aw, true);
    simcpu_set_handler(IRQ, observe_irq);
    simcpu_raise_at_point(IRQ, 2);
    atomic_waker_register(&aw, &w);
    snprintf(trace + strlen(trace), 40, "register: %u %u;", seen_state, state_of(&aw));
    // wake: WAITING -> WAKING -> WAITING
    simcpu_raise_at_point(IRQ, 2);
    atomic_waker_wake(&aw);
    snprintf(trace + strlen(trace), 40, " wake: %u %u;", seen_state, state_of(&aw));
    // a wake during register: REGISTERING -> REGISTERING|WAKING -> WAITING
    simcpu_set_handler(IRQ, producer_irq);
    simcpu_raise_at_point(IRQ, 2);
    atomic_waker_register(&aw, &w);
    snprintf(trace + strlen(trace), 40, " wake in register: %u %u;", seen_state, state_of(&aw));
    // register while WAKING: no transition
    atomic_store(&aw.state, WAKING);
    atomic_waker_register(&aw, &w);
    snprintf(trace + strlen(trace), 40, " register in wake: %u", state_of(&aw));
    ASSERT_STR_EQ(trace, "register: 1 0; wake: 2 0; wake in register: 3 0; register in wake: 2");
    ASSERT_EQ(p.wakes, 2, "the plain wake and the one register delivered");
    ASSERT_EQ(p.wake_by_refs, 1, "register while WAKING");
    ASSERT_EQ(outstanding(&p), 0);
}

// The real pair, with the producer interrupt at every point of register.
Test(atomic_waker, real_wake_at_every_point_of_register)
{
    for (uint64_t k = 1; k <= 5; k++) {
        struct atomic_waker aw;
        setup_irq(&aw, true);
        struct probe p;
        struct waker w = probe_waker(&p);
        bool seen;
        simcpu_raise_at_point(IRQ, k);
        register_then_check(&aw, &w, &seen);
        cr_assert(seen || woken(&p), "k=%llu: lost wakeup", (unsigned long long)k);
        ASSERT_EQ(outstanding(&p), k == 1, "k=%llu", (unsigned long long)k);
    }
}

Test(atomic_waker, clear_drops_the_registered_waker)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    struct probe p;
    struct waker w = probe_waker(&p);
    atomic_waker_clear(&aw);
    atomic_waker_register(&aw, &w);
    atomic_waker_clear(&aw);
    ASSERT_EQ(p.drops, 1);
    ASSERT_EQ(outstanding(&p), 0);
    cr_assert_null(aw.waker.vtable);
    ASSERT_EQ(state_of(&aw), ATOMIC_WAKER_WAITING);
}

// Not in waker_register: the exercise stub panics too.
Test(atomic_waker, two_registers_at_once_panic, .signal = SIGABRT)
{
    struct atomic_waker aw;
    atomic_waker_init(&aw);
    atomic_store(&aw.state, REGISTERING); // another register owns the slot
    struct probe p;
    struct waker w = probe_waker(&p);
    atomic_waker_register(&aw, &w);
}

// A wake that interrupts a clear is delivered, not swallowed: landing before
// the clear takes the slot, the wake wakes the waker itself; landing while
// the clear owns the slot, it leaves its bit and the clear wakes the waker;
// only after the clear let the slot go (point 4) is the waker simply dropped.
Test(atomic_waker, a_wake_during_a_clear_is_delivered_not_dropped)
{
    for (uint64_t k = 1; k <= 4; k++) {
        struct atomic_waker aw;
        setup_irq(&aw, true);
        struct probe p;
        struct waker w = probe_waker(&p);
        atomic_waker_register(&aw, &w);
        simcpu_raise_at_point(IRQ, k);
        uint64_t before = simcpu_points();
        atomic_waker_clear(&aw);
        ASSERT_EQ(simcpu_delivered(IRQ), 1, "k=%llu: the wake landed", (unsigned long long)k);
        if (k < 4) {
            ASSERT_EQ(p.wakes, 1, "k=%llu: a wake during the clear wakes the waker",
                      (unsigned long long)k);
            ASSERT_EQ(p.drops, 0, "k=%llu: and does not drop it", (unsigned long long)k);
        } else {
            ASSERT_EQ(simcpu_points() - before, 4, "around the clear's CAS and its exchange");
            ASSERT_EQ(p.drops, 1, "a wake after the clear finds nothing: the clear dropped it");
        }
        ASSERT_EQ(outstanding(&p), 0, "k=%llu", (unsigned long long)k);
        cr_assert_null(aw.waker.vtable);
        ASSERT_EQ(state_of(&aw), ATOMIC_WAKER_WAITING);
    }
}

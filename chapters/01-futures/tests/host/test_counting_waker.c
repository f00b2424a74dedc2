// Exercise 1.2: the counting waker's vtable. Every clone adds a reference,
// every wake or drop gives one back, the block is freed with the last one, and
// both kinds of wake are counted.
#include <criterion/criterion.h>

#include "counting_waker.h"
#include "mailbox.h"
#include "mem.h"
#include "testing.h"

TestSuite(counting_waker, .timeout = 10);

static struct waker create(void)
{
    struct waker w;
    cr_assert(counting_waker_create(&w));
    return w;
}

Test(counting_waker, last_drop_frees_the_block)
{
    size_t live = mem_stats().live_allocations;
    struct waker w = create();
    ASSERT_EQ(mem_stats().live_allocations, live + 1);
    ASSERT_EQ(counting_waker_get(&w)->refs, 1);
    waker_drop(&w);
    ASSERT_EQ(mem_stats().live_allocations, live, "the only waker was dropped: free the block");
}

Test(counting_waker, clone_adds_a_reference)
{
    size_t live = mem_stats().live_allocations;
    struct waker w = create();
    struct counting_waker *c = counting_waker_get(&w);
    unsigned n = (unsigned)test_random_range(1, 30);
    struct waker clones[30];
    for (unsigned i = 0; i < n; i++) {
        clones[i] = waker_clone(&w);
        ASSERT_EQ(clones[i].data, w.data, "a clone wakes the same thing");
        ASSERT_EQ(counting_waker_get(&clones[i]), c, "a clone is a counting waker too");
        ASSERT_EQ(c->refs, i + 2);
    }
    for (unsigned i = 0; i < n; i++) {
        waker_drop(&clones[i]);
        ASSERT_EQ(c->refs, n - i);
    }
    ASSERT_EQ(c->wakes, 0, "cloning and dropping do not wake");
    waker_drop(&w);
    ASSERT_EQ(mem_stats().live_allocations, live);
}

Test(counting_waker, wake_by_ref_counts_and_keeps_the_reference)
{
    struct waker w = create();
    struct counting_waker *c = counting_waker_get(&w);
    unsigned long n = (unsigned long)test_random_range(1, 500);
    for (unsigned long i = 0; i < n; i++)
        waker_wake_by_ref(&w);
    ASSERT_EQ(c->wakes, n);
    ASSERT_EQ(c->refs, 1);
    waker_drop(&w);
}

Test(counting_waker, wake_counts_and_consumes)
{
    size_t live = mem_stats().live_allocations;
    struct waker w = create();
    struct counting_waker *c = counting_waker_get(&w);
    unsigned n = (unsigned)test_random_range(1, 30);
    for (unsigned i = 0; i < n; i++) {
        struct waker clone = waker_clone(&w);
        waker_wake(&clone);
        ASSERT_EQ(c->wakes, i + 1);
        ASSERT_EQ(c->refs, 1, "wake consumes the waker it is called on");
    }
    waker_wake(&w); // the last one: counted, then freed
    ASSERT_EQ(mem_stats().live_allocations, live, "waking the last waker frees the block");
}

// Random interleavings against a model: the references are exactly the
// wakers alive, the wakes exactly those made.
Test(counting_waker, random_use_balances)
{
    size_t live = mem_stats().live_allocations;
    for (int trial = 0; trial < 100; trial++) {
        struct waker pool[16];
        unsigned alive = 1;
        unsigned long wakes = 0;
        pool[0] = create();
        struct counting_waker *c = counting_waker_get(&pool[0]);
        for (int step = 0; step < 60; step++) {
            long op = test_random_range(0, 3);
            unsigned pick = (unsigned)test_random_range(0, alive - 1);
            if (op == 0 && alive < 16) {
                pool[alive++] = waker_clone(&pool[pick]);
            } else if (op == 1) {
                waker_wake_by_ref(&pool[pick]);
                wakes++;
            } else if (alive > 1) { // keep one alive, so that c stays valid
                if (op == 2) {
                    waker_wake(&pool[pick]);
                    wakes++;
                } else {
                    waker_drop(&pool[pick]);
                }
                pool[pick] = pool[--alive];
            }
            ASSERT_EQ(c->refs, alive, "trial %d step %d: %u wakers alive, refs %u", trial, step,
                         alive, c->refs);
            ASSERT_EQ(c->wakes, wakes);
        }
        while (alive > 1)
            waker_drop(&pool[--alive]);
        waker_drop(&pool[0]);
        ASSERT_EQ(mem_stats().live_allocations, live, "trial %d leaked the block", trial);
    }
}

// A full run of futures that keep clones (mailbox receives): whatever they
// clone, they give back, so at the end only our own references are left.
Test(counting_waker, full_run_with_mailboxes_balances)
{
    size_t live = mem_stats().live_allocations;
    struct waker ours = create(), other = create();
    struct counting_waker *c = counting_waker_get(&ours), *d = counting_waker_get(&other);
    for (int trial = 0; trial < 100; trial++) {
        struct mailbox box;
        mailbox_init(&box);
        struct mailbox_receive r;
        mailbox_receive_init(&r, &box);
        unsigned long wakes_before = c->wakes + d->wakes, sends = 0;
        bool abandon = test_random_range(0, 3) == 0; // give up while waiting
        for (int poll = 0;; poll++) {
            // Either waker: a new one makes the mailbox drop its clone of the
            // old one and keep a clone of the new one.
            struct context cx = {test_random_range(0, 1) ? &ours : &other};
            if (future_poll(&r.base, &cx) == POLL_READY)
                break;
            if (abandon && poll == 3)
                break;
            if (!abandon && test_random_range(0, 2) == 0) {
                cr_assert(mailbox_send(&box, trial));
                sends++;
            }
        }
        if (!abandon) {
            ASSERT_EQ(r.output, trial);
            ASSERT_EQ(c->wakes + d->wakes - wakes_before, sends,
                         "each send finds the receiver waiting and wakes it");
        }
        mailbox_destroy(&box); // drops the clone an abandoned receive left
        ASSERT_EQ(c->refs, 1, "trial %d: clones not given back", trial);
        ASSERT_EQ(d->refs, 1, "trial %d: clones not given back", trial);
    }
    waker_drop(&ours);
    waker_drop(&other);
    ASSERT_EQ(mem_stats().live_allocations, live);
}

// Exercise 1.4: join. Ready when both futures are; polls only the unfinished
// ones; hands its own context (its caller's waker) down to them.
#include <criterion/criterion.h>

#include "join.h"
#include "mailbox.h"
#include "tally.h"
#include "testing.h"

TestSuite(join, .timeout = 10);

// A future the test finishes by hand: it counts its polls and checks that the
// waker it is given is the test's.
struct probe {
    struct future base;
    unsigned polls;
    bool finish;        // the next poll returns ready
    bool foreign_waker; // it was once polled with a waker not the test's
};

static enum poll probe_poll(struct future *f, struct context *cx)
{
    struct probe *p = CONTAINER_OF(f, struct probe, base);
    p->polls++;
    if (!tally_is(cx->waker))
        p->foreign_waker = true;
    if (p->finish)
        return POLL_READY;
    waker_wake_by_ref(cx->waker); // the test is the event source: poll again
    return POLL_PENDING;
}

static void probe_init(struct probe *p)
{
    future_init(&p->base, probe_poll);
    p->polls = 0;
    p->finish = false;
    p->foreign_waker = false;
}

// Probes that finish at polls `first_at` and `second_at` of the join.
static void run_probes(unsigned first_at, unsigned second_at)
{
    struct probe a, b;
    probe_init(&a);
    probe_init(&b);
    struct join j;
    join_init(&j, &a.base, &b.base);
    struct waker w = tally_waker();
    struct context cx = {&w};
    unsigned last = first_at > second_at ? first_at : second_at;
    for (unsigned poll = 1; poll <= last; poll++) {
        a.finish = poll >= first_at;
        b.finish = poll >= second_at;
        enum poll result = future_poll(&j.base, &cx);
        ASSERT_EQ(result, poll == last ? POLL_READY : POLL_PENDING,
                     "join of futures ready at polls %u and %u: poll %u returned %s", first_at,
                     second_at, poll, result == POLL_READY ? "ready" : "pending");
        ASSERT_EQ(a.polls, poll < first_at ? poll : first_at,
                     "the first future was polled %u times by poll %u; it was ready at poll %u",
                     a.polls, poll, first_at);
        ASSERT_EQ(b.polls, poll < second_at ? poll : second_at,
                     "the second future was polled %u times by poll %u; it was ready at poll %u",
                     b.polls, poll, second_at);
    }
    cr_assert(!a.foreign_waker && !b.foreign_waker, "the join must pass its own context down");
    ASSERT_EQ(tally_counts()->wake_by_refs, (first_at - 1) + (second_at - 1),
                 "every wake of a child reaches the join's waker");
}

Test(join, first_finishes_first)
{
    for (int trial = 0; trial < 100; trial++) {
        unsigned first = (unsigned)test_random_range(1, 30);
        run_probes(first, first + (unsigned)test_random_range(1, 30));
    }
}

Test(join, second_finishes_first)
{
    for (int trial = 0; trial < 100; trial++) {
        unsigned second = (unsigned)test_random_range(1, 30);
        run_probes(second + (unsigned)test_random_range(1, 30), second);
    }
}

Test(join, both_finish_together)
{
    for (int trial = 0; trial < 20; trial++) {
        unsigned at = (unsigned)test_random_range(1, 30);
        run_probes(at, at);
    }
}

// Two receives joined: messages in either order, at any time. The waker the
// mailboxes keep is a clone of the join's caller's.
Test(join, two_mailboxes_in_either_order)
{
    for (int trial = 0; trial < 200; trial++) {
        struct mailbox boxes[2];
        struct mailbox_receive receives[2];
        int values[2];
        for (int i = 0; i < 2; i++) {
            mailbox_init(&boxes[i]);
            mailbox_receive_init(&receives[i], &boxes[i]);
            values[i] = (int)test_random_range(-1000, 1000);
        }
        struct join j;
        join_init(&j, &receives[0].base, &receives[1].base);
        struct waker w = tally_waker();
        struct context cx = {&w};
        int order = (int)test_random_range(0, 1); // which mailbox gets its message first
        int sent = 0, polls = 0;
        while (future_poll(&j.base, &cx) == POLL_PENDING) {
            polls++;
            cr_assert_lt(polls, 100, "trial %d: join still pending after both messages", trial);
            if (sent < 2 && test_random_range(0, 2) == 0) {
                int which = sent == 0 ? order : 1 - order;
                unsigned long wakes = tally_counts()->wakes;
                cr_assert(mailbox_send(&boxes[which], values[which]));
                ASSERT_EQ(tally_counts()->wakes, wakes + 1,
                             "trial %d: the receive waiting on mailbox %d was not woken", trial,
                             which);
                sent++;
            }
        }
        ASSERT_EQ(sent, 2, "trial %d: join ready before both messages came", trial);
        ASSERT_EQ(receives[0].output, values[0]);
        ASSERT_EQ(receives[1].output, values[1]);
        ASSERT_EQ(tally_outstanding(), 0, "trial %d: a clone of the waker leaked", trial);
        mailbox_destroy(&boxes[0]);
        mailbox_destroy(&boxes[1]);
    }
}

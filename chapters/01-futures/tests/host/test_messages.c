// Exercise 1.3: messages_machine, add_messages() as a state machine by hand.
// It must behave exactly like the macro version (the specification): the
// same result, the same pending and ready polls, the same waker traffic, for
// any values and any timing of the messages.
#include <criterion/criterion.h>

#include "messages.h"
#include "tally.h"
#include "testing.h"

TestSuite(messages, .timeout = 10);

#define STEPS 40

// What the world does before each poll: send a message (if >= 0) or not.
struct schedule {
    int limit;
    int send[STEPS]; // -1: no send before this poll
};

// What was seen at each poll.
struct trace {
    int polls;
    enum poll result[STEPS];
    bool accepted[STEPS];
    struct tally waker[STEPS]; // counts after the poll
    int output;
    bool box_full_at_end;
};

static struct schedule random_schedule(void)
{
    struct schedule s = {.limit = (int)test_random_range(0, 100)};
    int chance = (int)test_random_range(1, 4); // from busy to quiet
    for (int i = 0; i < STEPS; i++)
        s.send[i] = test_random_range(1, chance) == 1 ? (int)test_random_range(0, 150) : -1;
    s.send[STEPS / 2] = s.send[STEPS - 4] = 1000; // at least two messages
    return s;
}

// Runs add_messages by hand or by macro over the schedule.
static struct trace run(const struct schedule *s, bool by_hand)
{
    struct mailbox box;
    mailbox_init(&box);
    struct messages_machine hand;
    struct messages_async spec;
    struct future *f;
    if (by_hand) {
        messages_machine_init(&hand, &box, s->limit);
        f = &hand.base;
    } else {
        messages_async_init(&spec, &box, s->limit);
        f = &spec.base;
    }
    struct trace t = {0};
    struct waker w = tally_waker();
    struct context cx = {&w};
    for (int i = 0; i < STEPS; i++) {
        t.accepted[i] = s->send[i] >= 0 && mailbox_send(&box, s->send[i]);
        t.result[i] = future_poll(f, &cx);
        t.waker[i] = *tally_counts();
        t.polls++;
        if (t.result[i] == POLL_READY)
            break;
    }
    t.output = by_hand ? hand.output : spec.output;
    t.box_full_at_end = box.full;
    mailbox_destroy(&box);
    return t;
}

// What add_messages must return, straight from its definition. Every send
// is taken by the poll right after it: add_messages always waits for one.
static int expected_output(const struct schedule *s)
{
    int got[2], n = 0;
    for (int i = 0; i < STEPS && n < 2; i++) {
        if (s->send[i] < 0)
            continue;
        got[n++] = s->send[i];
        if (n == 1 && got[0] > s->limit)
            return got[0];
    }
    return got[0] + got[1];
}

static void expect_same(const struct schedule *s, int trial)
{
    struct trace spec = run(s, false), hand = run(s, true);
    for (int i = 0; i < spec.polls && i < hand.polls; i++) {
        ASSERT_EQ(hand.result[i], spec.result[i],
                     "trial %d (limit %d): poll %d returned %s, the async version %s", trial,
                     s->limit, i + 1, hand.result[i] == POLL_READY ? "ready" : "pending",
                     spec.result[i] == POLL_READY ? "ready" : "pending");
        ASSERT_EQ(hand.accepted[i], spec.accepted[i],
                     "trial %d: before poll %d the mailbox was %s, in the async version %s", trial,
                     i + 1, hand.accepted[i] ? "empty" : "full",
                     spec.accepted[i] ? "empty" : "full");
        ASSERT_EQ(hand.waker[i].wakes, spec.waker[i].wakes, "trial %d poll %d: wakes", trial,
                     i + 1);
        ASSERT_EQ(hand.waker[i].clones - hand.waker[i].drops,
                     spec.waker[i].clones - spec.waker[i].drops,
                     "trial %d poll %d: clones of the waker kept", trial, i + 1);
    }
    ASSERT_EQ(hand.polls, spec.polls, "trial %d: ready after %d polls, the async version %d",
                 trial, hand.polls, spec.polls);
    ASSERT_EQ(hand.output, spec.output, "trial %d: output %d, the async version %d", trial,
                 hand.output, spec.output);
    ASSERT_EQ(hand.box_full_at_end, spec.box_full_at_end,
                 "trial %d: a message was taken that the async version leaves", trial);
}

Test(messages, same_polls_as_the_async_version)
{
    for (int trial = 0; trial < 300; trial++) {
        struct schedule s = random_schedule();
        expect_same(&s, trial);
        struct trace hand = run(&s, true);
        ASSERT_EQ(hand.result[hand.polls - 1], POLL_READY, "trial %d never finished", trial);
        ASSERT_EQ(hand.output, expected_output(&s), "trial %d: output", trial);
    }
}

Test(messages, returns_early_over_the_limit)
{
    for (int trial = 0; trial < 50; trial++) {
        struct schedule s = {.limit = (int)test_random_range(0, 100)};
        for (int i = 0; i < STEPS; i++)
            s.send[i] = -1;
        int first = s.limit + (int)test_random_range(1, 50);
        int at = (int)test_random_range(0, STEPS - 2);
        s.send[at] = first;
        s.send[at + 1] = 5; // must stay in the mailbox: nobody waits for it
        struct trace hand = run(&s, true);
        ASSERT_EQ(hand.polls, at + 1,
                     "a message over the limit finishes the poll that takes it");
        ASSERT_EQ(hand.output, first);
        expect_same(&s, trial);
    }
}

Test(messages, waits_for_the_second_message)
{
    for (int trial = 0; trial < 50; trial++) {
        struct schedule s = {.limit = (int)test_random_range(50, 100)};
        for (int i = 0; i < STEPS; i++)
            s.send[i] = -1;
        int a = (int)test_random_range(0, s.limit), b = (int)test_random_range(0, 1000);
        int first = (int)test_random_range(0, STEPS / 2),
            second = first + (int)test_random_range(1, STEPS / 2 - 1);
        s.send[first] = a;
        s.send[second] = b;
        struct trace hand = run(&s, true);
        ASSERT_EQ(hand.polls, second + 1, "ready after %d polls, expected %d", hand.polls,
                     second + 1);
        ASSERT_EQ(hand.output, a + b, "a kept across the await: %d + %d", a, b);
        for (int i = 0; i < second; i++)
            ASSERT_EQ(hand.result[i], POLL_PENDING);
        expect_same(&s, trial);
    }
}

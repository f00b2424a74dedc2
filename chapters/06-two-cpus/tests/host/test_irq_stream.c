// Exercise 3.5 (the interrupt-fed stream's poll_next), the stream it feeds,
// and the stream_next future. The interrupt-at-every-point tests are the
// heart: a producer interrupt (irq_stream_push: a byte, then a wake) lands at
// each interrupt point of a poll, and each time the poll either returns the
// byte or the task's waker is woken. The naive variants, kept here as
// fixtures, each lose a wakeup at a point the test names.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "async.h"
#include "by_hand.h"
#include "irq_stream.h"
#include "katomic.h"
#include "mem.h"
#include "simcpu.h"
#include "tally.h"
#include "testing.h"

TestSuite(poll_next, .timeout = 10);
TestSuite(irq_stream, .timeout = 10); // open, push, counts: not graded
TestSuite(stream, .timeout = 10);     // the contract and stream_next: not graded

#define IRQ 1

// The device: its interrupt pushes the next byte of `bytes` into the stream,
// with irq_stream_push, or, in poll_next's tests, by hand (the reference's
// push then wake, by_hand.h), so that they do not depend on exercises 3.1
// and 3.4.
static struct irq_stream *irq_target;
static uint8_t bytes[64];
static unsigned next_byte;
static bool push_by_hand;
static void device_irq(void)
{
    uint8_t byte = bytes[next_byte++ % sizeof bytes];
    if (!push_by_hand) {
        irq_stream_push(irq_target, byte);
        return;
    }
    by_hand_push(&irq_target->ring, byte);
    by_hand_wake(&irq_target->waker);
}

static uint8_t buffer[16];

static void setup_device(struct irq_stream *s, bool by_hand)
{
    push_by_hand = by_hand;
    simcpu_reset();
    simcpu_set_handler(IRQ, device_irq);
    irq_target = s;
    next_byte = 0;
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)test_random_range(0, 255);
}

static void append(char *trace, size_t size, const char *fmt, unsigned long long k,
                   const char *what)
{
    size_t len = strlen(trace);
    snprintf(trace + len, size - len, fmt, len ? " " : "", k, what);
}

// ---- poll_next: exercise 3.5 ----

Test(poll_next, returns_the_bytes_in_the_order_pushed)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, true);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    unsigned n = (unsigned)test_random_range(1, sizeof buffer);
    for (unsigned i = 0; i < n; i++)
        simcpu_raise(IRQ);
    for (unsigned i = 0; i < n; i++) {
        uint8_t item = 0;
        ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM, "poll %u of %u", i + 1, n);
        ASSERT_EQ(item, bytes[i], "byte %u", i);
    }
    ASSERT_EQ(tally_counts()->clones, 0, "bytes waiting: the fast path, no waker traffic");
    uint8_t item = 0x5a;
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING, "all %u taken", n);
    ASSERT_EQ(item, 0x5a, "pending leaves *item alone");
}

Test(poll_next, pending_registers_the_waker_and_a_push_wakes_it)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, true);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    const struct tally *t = tally_counts();
    uint8_t item;
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING);
    ASSERT_EQ(t->clones, 1, "pending: a clone of the waker is registered");
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING);
    ASSERT_EQ(t->clones, 1, "polled again with the same waker: kept, not cloned again");
    ASSERT_EQ(t->wakes + t->wake_by_refs, 0);
    simcpu_raise(IRQ);
    ASSERT_EQ(t->wakes, 1, "the push woke the registered waker");
    ASSERT_EQ(tally_outstanding(), 0, "and consumed it");
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM);
    ASSERT_EQ(item, bytes[0]);
}

Test(poll_next, walks_eight_interrupt_points_four_with_a_byte_waiting)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, true);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    uint8_t item;
    uint64_t before = simcpu_points();
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING);
    ASSERT_EQ(simcpu_points() - before, 8, "pop (2), register (4), pop again (2)");
    simcpu_raise(IRQ);
    before = simcpu_points();
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM);
    ASSERT_EQ(simcpu_points() - before, 4, "the fast path: one pop (its head store is two)");
}

// One poll with the device's interrupt at point k (0: none), after `polls`
// earlier polls of the empty stream (so a waker may be registered already).
// Appends "k<k>:" and what happened: "item" (this poll returned the byte),
// "woken" (pending, and the waker was woken), "lost" (pending, not woken:
// the task would sleep with the byte in the ring). Returns the points walked.
static bool walk_with_real_push; // irq_stream_push rather than by hand
static uint64_t walk_poll(enum stream_poll (*poll)(struct stream *, struct context *, uint8_t *),
                          int polls, uint64_t k, char *trace, size_t size)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, !walk_with_real_push);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    const struct tally *t = tally_counts();
    uint8_t item = 0;
    for (int i = 0; i < polls; i++)
        ASSERT_EQ(poll(keys, &cx, &item), STREAM_PENDING);
    simcpu_raise_at_point(IRQ, k);
    uint64_t before = simcpu_points();
    enum stream_poll result = poll(keys, &cx, &item);
    uint64_t points = simcpu_points() - before;
    simcpu_raise_at_point(IRQ, 0);
    if (!k)
        return points;
    ASSERT_EQ(simcpu_delivered(IRQ), 1, "k=%llu: the interrupt landed in the poll",
              (unsigned long long)k);
    bool woken = t->wakes + t->wake_by_refs > 0;
    if (result == STREAM_ITEM)
        ASSERT_EQ(item, bytes[0], "k=%llu: the byte pushed", (unsigned long long)k);
    append(trace, size, "%sk%llu:%s", k,
           result == STREAM_ITEM ? (woken ? "item+woken" : "item")
           : woken               ? "woken"
                                 : "lost");
    if (result == STREAM_PENDING && woken) { // as the executor would: poll again
        ASSERT_EQ(poll(keys, &cx, &item), STREAM_ITEM, "k=%llu: woken, the byte is there",
                  (unsigned long long)k);
        ASSERT_EQ(item, bytes[0]);
    }
    return points;
}

static enum stream_poll real_poll(struct stream *s, struct context *cx, uint8_t *item)
{
    return stream_poll_next(s, cx, item);
}

Test(poll_next, producer_at_every_point_loses_no_wakeup)
{
    for (int polls = 0; polls <= 1; polls++) {
        uint64_t n = walk_poll(real_poll, polls, 0, NULL, 0);
        ASSERT_EQ(n, 8, "pop (2), register (4), pop again (2)");
        char trace[256] = "";
        for (uint64_t k = 1; k <= n; k++)
            walk_poll(real_poll, polls, k, trace, sizeof trace);
        cr_assert_not(strstr(trace, "lost"), "a lost wakeup (after %d polls): %s", polls, trace);
        test_points("irq_stream.poll_next", false, n, n, test_count(trace, "lost"));
        // First poll: before the first pop reads tail, the fast path has the
        // byte; before register, the second pop has it (the wake found no
        // waker); between R1 and R2 (k=4, 5) register delivers the wake;
        // after R2 the wake finds the waker. After an earlier pending poll a
        // waker is registered all along, so every push also wakes it.
        if (polls == 0)
            ASSERT_STR_EQ(trace, "k1:item k2:item k3:item k4:item+woken k5:item+woken "
                                 "k6:item+woken k7:item+woken k8:item+woken");
        else
            ASSERT_STR_EQ(trace, "k1:item+woken k2:item+woken k3:item+woken k4:item+woken "
                                 "k5:item+woken k6:item+woken k7:item+woken k8:item+woken");
    }
}

// The naive poll_next: the fast path, then register, and no second check.
static enum stream_poll no_second_check_poll(struct stream *base, struct context *cx, uint8_t *item)
{
    struct irq_stream *s = CONTAINER_OF(base, struct irq_stream, base);
    if (byte_ring_pop(&s->ring, item))
        return STREAM_ITEM;
    atomic_waker_register(&s->waker, cx->waker);
    return STREAM_PENDING;
}

// It loses the wakeup at k=3: the byte lands after the pop found the ring
// empty and before register stored the waker; the wake finds nobody, and
// without the second pop the poll returns pending with the byte in the ring.
Test(poll_next, naive_without_the_second_check_loses_a_wakeup_at_point_3)
{
    uint64_t n = walk_poll(no_second_check_poll, 0, 0, NULL, 0);
    ASSERT_EQ(n, 6, "pop (2), register (4)");
    char trace[256] = "";
    for (uint64_t k = 1; k <= n; k++)
        walk_poll(no_second_check_poll, 0, k, trace, sizeof trace);
    ASSERT_STR_EQ(trace, "k1:item k2:item k3:lost k4:woken k5:woken k6:woken");
    char real[256] = "";
    walk_poll(real_poll, 0, 3, real, sizeof real);
    ASSERT_STR_EQ(real, "k3:item", "the real poll_next at the same point");
    test_points("irq_stream.poll_next", true, n, n, test_count(trace, "lost"));
}

// When the second check finds the byte the waker stays registered: harmless,
// the next push only wakes the task once for nothing.
Test(poll_next, second_check_leaves_the_waker_registered)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, true);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    uint8_t item;
    simcpu_raise_at_point(IRQ, 3); // after the fast path, before register
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM);
    ASSERT_EQ(item, bytes[0]);
    ASSERT_EQ(tally_outstanding(), 1, "the registered clone is still there");
    simcpu_raise(IRQ);
    ASSERT_EQ(tally_counts()->wakes, 1, "the next push wakes it (there is a byte, as it happens)");
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM);
    ASSERT_EQ(item, bytes[1]);
}

// ---- irq_stream: open once, the producer's side, the counts ----

Test(irq_stream, push_before_open_is_counted_and_publishes_nothing)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, false);
    long n = 5;
    for (long i = 0; i < n; i++)
        cr_assert_not(irq_stream_push(&s, 7), "push before open");
    ASSERT_EQ(irq_stream_dropped(&s), n);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    uint8_t item;
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING, "nothing reached the ring");
    cr_assert(irq_stream_push(&s, 8));
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM);
    ASSERT_EQ(item, 8);
    ASSERT_EQ(irq_stream_dropped(&s), n);
}

Test(irq_stream, open_twice_panics, .signal = SIGABRT)
{
    static struct irq_stream s = IRQ_STREAM_INIT("keyboard", buffer);
    irq_stream_open(&s);
    irq_stream_open(&s);
}

Test(irq_stream, open_refuses_a_capacity_that_is_not_a_power_of_two, .signal = SIGABRT)
{
    static uint8_t odd[12];
    struct irq_stream s = IRQ_STREAM_INIT("serial", odd);
    irq_stream_open(&s);
}

Test(irq_stream, a_flood_drops_and_counts_then_the_next_byte_arrives)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, false);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    uint8_t item;
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING);
    unsigned extra = 21;
    for (unsigned i = 0; i < sizeof buffer + extra; i++)
        simcpu_raise(IRQ);
    ASSERT_EQ(irq_stream_dropped(&s), extra, "a ring of %zu, %zu + %u bytes", sizeof buffer,
              sizeof buffer, extra);
    ASSERT_EQ(tally_counts()->wakes, 1, "the first push woke the task, the others found no waker");
    for (unsigned i = 0; i < sizeof buffer; i++) {
        ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM);
        ASSERT_EQ(item, bytes[i], "the first %zu bytes kept, in order", sizeof buffer);
    }
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING);
    simcpu_raise(IRQ);
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_ITEM, "the next byte after the flood");
    ASSERT_EQ(item, bytes[(sizeof buffer + extra) % sizeof bytes]);
}

// Push before wake, on SMP: the consumer runs on another CPU, so here its
// poll is the "interrupt", landing at every point of the producer. The
// producer is the real push, or the naive one that wakes first.
static struct context *consumer_cx;
static struct stream *consumer_stream;
static enum stream_poll consumer_result;
static uint8_t consumer_item;
static void consumer_irq(void)
{
    consumer_result = stream_poll_next(consumer_stream, consumer_cx, &consumer_item);
}

// The naive one: the same steps, wake first.
static void wake_before_push(struct irq_stream *s, uint8_t byte)
{
    if (katomic_load(&s->state, memory_order_acquire) != IRQ_STREAM_OPEN)
        return;
    atomic_waker_wake(&s->waker);
    byte_ring_push(&s->ring, byte);
}

// The real one.
static void push_then_wake(struct irq_stream *s, uint8_t byte) { irq_stream_push(s, byte); }

static uint64_t walk_push(void (*push)(struct irq_stream *, uint8_t), uint64_t k, char *trace,
                          size_t size)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    simcpu_reset();
    simcpu_set_handler(IRQ, consumer_irq);
    struct waker w = tally_waker();
    struct context cx = {&w};
    consumer_cx = &cx;
    consumer_stream = irq_stream_open(&s);
    consumer_result = STREAM_END; // "did not run"
    simcpu_raise_at_point(IRQ, k);
    uint64_t before = simcpu_points();
    push(&s, 0x42);
    uint64_t points = simcpu_points() - before;
    simcpu_raise_at_point(IRQ, 0);
    if (!k)
        return points;
    ASSERT_EQ(consumer_result != STREAM_END, true, "k=%llu: the consumer polled",
              (unsigned long long)k);
    const struct tally *t = tally_counts();
    bool woken = t->wakes + t->wake_by_refs > 0;
    append(trace, size, "%sk%llu:%s", k,
           consumer_result == STREAM_ITEM ? "item"
           : woken                        ? "woken"
                                          : "lost");
    if (consumer_result == STREAM_ITEM)
        ASSERT_EQ(consumer_item, 0x42);
    return points;
}

Test(irq_stream, consumer_at_every_point_of_push_loses_no_wakeup)
{
    uint64_t n = walk_push(push_then_wake, 0, NULL, 0);
    ASSERT_EQ(n, 9, "open? (1), ring push (4), wake (4)");
    char trace[256] = "";
    for (uint64_t k = 1; k <= n; k++)
        walk_push(push_then_wake, k, trace, sizeof trace);
    // Before the tail store: the poll registers, the wake wakes it. After:
    // the poll's fast path has the byte.
    ASSERT_STR_EQ(trace, "k1:woken k2:woken k3:woken k4:woken k5:item k6:item k7:item k8:item "
                         "k9:item");
    test_points("irq_stream.push", false, n, n, test_count(trace, "lost"));
}

// Waking before pushing loses the wakeup from k=5 on: the wake has finished
// (finding no waker), and the consumer polls before the byte is in the ring:
// it registers, and the push that follows wakes nobody.
Test(irq_stream, naive_wake_before_push_loses_a_wakeup_from_point_5)
{
    uint64_t n = walk_push(wake_before_push, 0, NULL, 0);
    ASSERT_EQ(n, 9, "open? (1), wake (4), ring push (4)");
    char trace[256] = "";
    for (uint64_t k = 1; k <= n; k++)
        walk_push(wake_before_push, k, trace, sizeof trace);
    ASSERT_STR_EQ(trace,
                  "k1:woken k2:woken k3:woken k4:woken k5:lost k6:lost k7:lost k8:lost k9:item");
    test_points("irq_stream.push", true, n, n, test_count(trace, "lost"));
}

// poll_next's walk again, with the real push: the same trace.
Test(irq_stream, real_push_at_every_point_of_poll_next)
{
    walk_with_real_push = true;
    ASSERT_EQ(walk_poll(real_poll, 0, 0, NULL, 0), 8);
    char trace[256] = "";
    for (uint64_t k = 1; k <= 8; k++)
        walk_poll(real_poll, 0, k, trace, sizeof trace);
    ASSERT_STR_EQ(trace, "k1:item k2:item k3:item k4:item+woken k5:item+woken k6:item+woken "
                         "k7:item+woken k8:item+woken");
}

Test(irq_stream, push_allocates_nothing)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, false);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    uint8_t item;
    ASSERT_EQ(stream_poll_next(keys, &cx, &item), STREAM_PENDING);
    struct mem_stats before = mem_stats();
    simcpu_raise(IRQ);
    ASSERT_EQ(mem_stats().total_allocations, before.total_allocations);
}

// ---- stream: the contract, and stream_next with AWAIT ----

// A stream of `left` bytes counting down, pending before each, then the end.
struct countdown_stream {
    // cppcheck-suppress unusedStructMember ; used through CONTAINER_OF
    struct stream base;
    unsigned left;
    bool ready; // the next poll has an item
};

static enum stream_poll countdown_poll_next(struct stream *base, struct context *cx, uint8_t *item)
{
    struct countdown_stream *self = CONTAINER_OF(base, struct countdown_stream, base);
    if (!self->left)
        return STREAM_END;
    if (!self->ready) {
        self->ready = true;
        waker_wake_by_ref(cx->waker); // the test is the event source
        return STREAM_PENDING;
    }
    self->ready = false;
    *item = (uint8_t)self->left--;
    return STREAM_ITEM;
}

static void countdown_stream_init(struct countdown_stream *s, unsigned n)
{
    stream_init(&s->base, countdown_poll_next);
    s->left = n;
    s->ready = false;
}

// An async function over a stream: sums the items until the end.
struct summer {
    // cppcheck-suppress unusedStructMember ; used through CONTAINER_OF
    struct future base;
    int resume;
    struct stream *items;
    struct stream_next next;
    unsigned sum, count;
};

static enum poll summer_poll(struct future *f, struct context *cx)
{
    struct summer *self = CONTAINER_OF(f, struct summer, base);
    ASYNC_BEGIN(self->resume);
    for (;;) {
        stream_next_init(&self->next, self->items);
        AWAIT(self->resume, &self->next.base, cx);
        if (self->next.ended)
            break;
        self->sum += self->next.item;
        self->count++;
    }
    ASYNC_END(self->resume);
}

static void summer_init(struct summer *s, struct stream *items)
{
    future_init(&s->base, summer_poll);
    s->resume = ASYNC_START;
    s->items = items;
    s->sum = s->count = 0;
}

Test(stream, an_async_function_awaits_each_item_then_the_end)
{
    unsigned n = (unsigned)test_random_range(0, 50);
    struct countdown_stream c;
    countdown_stream_init(&c, n);
    struct summer s;
    summer_init(&s, &c.base);
    struct waker w = tally_waker();
    struct context cx = {&w};
    unsigned polls = 1;
    while (future_poll(&s.base, &cx) == POLL_PENDING)
        polls++;
    ASSERT_EQ(s.count, n);
    ASSERT_EQ(s.sum, n * (n + 1) / 2);
    ASSERT_EQ(polls, n + 1, "pending once per item, ready at the end");
    cr_assert(c.base.ended);
}

Test(stream, polled_after_the_end_panics, .signal = SIGABRT)
{
    struct countdown_stream c;
    countdown_stream_init(&c, 0);
    struct waker w = waker_noop();
    struct context cx = {&w};
    uint8_t item;
    ASSERT_EQ(stream_poll_next(&c.base, &cx, &item), STREAM_END);
    stream_poll_next(&c.base, &cx, &item);
}

Test(stream, polled_before_it_is_opened_panics, .signal = SIGABRT)
{
    struct irq_stream s = IRQ_STREAM_INIT("keyboard", buffer);
    struct waker w = waker_noop();
    struct context cx = {&w};
    uint8_t item;
    stream_poll_next(&s.base, &cx, &item);
}

// The keyboard task's shape: awaiting bytes an interrupt pushes.
Test(stream, stream_next_awaits_bytes_from_the_interrupt)
{
    struct irq_stream s = IRQ_STREAM_INIT("test", buffer);
    setup_device(&s, false);
    struct stream *keys = irq_stream_open(&s);
    struct waker w = tally_waker();
    struct context cx = {&w};
    struct stream_next next;
    unsigned n = (unsigned)test_random_range(1, 30);
    for (unsigned i = 0; i < n; i++) {
        stream_next_init(&next, keys);
        ASSERT_EQ(future_poll(&next.base, &cx), POLL_PENDING);
        simcpu_raise(IRQ);
        ASSERT_EQ(tally_counts()->wakes, i + 1, "woken by byte %u", i);
        ASSERT_EQ(future_poll(&next.base, &cx), POLL_READY);
        cr_assert_not(next.ended);
        ASSERT_EQ(next.item, bytes[i]);
    }
}

// Exercises 3.1 (byte_ring_push) and 3.2 (byte_ring_pop). Each suite plays
// the other side by hand (by_hand.h), so push's tests do not need pop and
// pop's do not need push. The ring's fields are read directly: the
// slots and indices are the ring's whole state.
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "by_hand.h"
#include "byte_ring.h"
#include "simcpu.h"
#include "testing.h"

TestSuite(ring_push, .timeout = 10);
TestSuite(ring_pop, .timeout = 10);
TestSuite(byte_ring, .timeout = 10); // both sides together: not graded

#define IRQ 1

static uint8_t storage[256];

// A ring of a random power-of-two capacity up to 256.
static uint32_t random_ring(struct byte_ring *r)
{
    uint32_t capacity = 1u << test_random_range(0, 8);
    memset(storage, 0xee, sizeof storage);
    byte_ring_init(r, storage, capacity);
    return capacity;
}

static void hand_set(struct byte_ring *r, uint32_t head, uint32_t tail)
{
    atomic_store(&r->head, head);
    atomic_store(&r->tail, tail);
}

static uint32_t head_of(struct byte_ring *r) { return atomic_load(&r->head); }
static uint32_t tail_of(struct byte_ring *r) { return atomic_load(&r->tail); }

static uint8_t random_byte(void) { return (uint8_t)test_random_range(0, 255); }

// ---- ring_push: exercise 3.1 ----

Test(ring_push, stores_each_byte_at_the_tail)
{
    struct byte_ring r;
    uint32_t capacity = random_ring(&r);
    for (uint32_t i = 0; i < capacity; i++) {
        uint8_t b = random_byte();
        cr_assert(byte_ring_push(&r, b), "push %u of %u into an unfull ring", i + 1, capacity);
        ASSERT_EQ(storage[i], b, "slot %u", i);
        ASSERT_EQ(tail_of(&r), i + 1, "tail after %u pushes", i + 1);
        ASSERT_EQ(head_of(&r), 0, "push never moves head");
    }
    ASSERT_EQ(byte_ring_dropped(&r), 0);
}

Test(ring_push, full_ring_refuses_and_counts_each_drop)
{
    struct byte_ring r;
    uint32_t capacity = random_ring(&r);
    uint8_t expected[256];
    for (uint32_t i = 0; i < capacity; i++)
        cr_assert(byte_ring_push(&r, expected[i] = random_byte()));
    long extra = test_random_range(1, 50);
    for (long i = 0; i < extra; i++)
        cr_assert_not(byte_ring_push(&r, 0x55), "push into a full ring (capacity %u)", capacity);
    ASSERT_EQ(byte_ring_dropped(&r), extra, "each refused byte is counted");
    ASSERT_EQ(tail_of(&r), capacity, "a refused push leaves tail alone");
    ASSERT_EQ(memcmp(storage, expected, capacity), 0, "and overwrites nothing");
}

Test(ring_push, reuses_a_slot_the_consumer_gave_back)
{
    struct byte_ring r;
    uint32_t capacity = random_ring(&r);
    for (uint32_t i = 0; i < capacity; i++)
        cr_assert(byte_ring_push(&r, (uint8_t)i));
    uint8_t b;
    cr_assert(by_hand_pop(&r, &b));
    cr_assert(byte_ring_push(&r, 0xab), "one slot free after a pop");
    ASSERT_EQ(storage[0], 0xab, "the push wraps to slot 0");
    ASSERT_EQ(tail_of(&r), capacity + 1, "indices run freely, they are not wrapped");
    cr_assert_not(byte_ring_push(&r, 0xcd), "full again");
    ASSERT_EQ(byte_ring_dropped(&r), 1);
}

// Free-running 32-bit indices overflow; tail - head must stay the count.
Test(ring_push, wraps_around_the_32_bit_indices)
{
    struct byte_ring r;
    byte_ring_init(&r, storage, 8);
    uint32_t start = UINT32_MAX - (uint32_t)test_random_range(0, 7);
    hand_set(&r, start, start);
    for (uint32_t i = 0; i < 8; i++) {
        cr_assert(byte_ring_push(&r, (uint8_t)(100 + i)), "push %u from index %u", i, start);
        ASSERT_EQ(storage[(start + i) & 7], 100 + i, "slot of index %u", start + i);
    }
    ASSERT_EQ(tail_of(&r), (uint32_t)(start + 8), "tail wrapped past zero");
    cr_assert_not(byte_ring_push(&r, 0), "8 bytes in a ring of 8 across the wrap: full");
    ASSERT_EQ(byte_ring_dropped(&r), 1);
}

Test(ring_push, capacity_one_holds_one_byte)
{
    struct byte_ring r;
    byte_ring_init(&r, storage, 1);
    uint8_t a = random_byte(), b = random_byte(), got;
    cr_assert(byte_ring_push(&r, a), "an empty ring of 1 takes a byte");
    ASSERT_EQ(storage[0], a);
    cr_assert_not(byte_ring_push(&r, b), "and then it is full");
    ASSERT_EQ(byte_ring_dropped(&r), 1);
    cr_assert(by_hand_pop(&r, &got));
    ASSERT_EQ(got, a);
    cr_assert(byte_ring_push(&r, b), "empty again");
    ASSERT_EQ(storage[0], b);
    ASSERT_EQ(tail_of(&r), 2);
}

// The exact number of interrupt points: a refactor that adds an atomic
// access to push (each one a place for an interrupt) must update the tests
// that walk them.
Test(ring_push, walks_four_interrupt_points)
{
    simcpu_reset();
    struct byte_ring r;
    byte_ring_init(&r, storage, 1);
    uint64_t before = simcpu_points();
    cr_assert(byte_ring_push(&r, 1));
    ASSERT_EQ(simcpu_points() - before, 4,
              "push into room: load tail, load head, before and after the tail store");
    before = simcpu_points();
    cr_assert_not(byte_ring_push(&r, 2));
    ASSERT_EQ(simcpu_points() - before, 4,
              "push into a full ring: load tail, load head, before and after the count");
}

static struct byte_ring *irq_ring;
static char popped[16];
static void consumer_irq(void)
{
    uint8_t b;
    if (by_hand_pop(irq_ring, &b))
        strncat(popped, (const char *)&b, 1);
}

// The other CPU's consumer, at every point of a push into a full ring: a pop
// before push reads head makes room; after, the byte is dropped (and counted).
Test(ring_push, consumer_at_every_point_of_a_full_push)
{
    for (uint64_t k = 1; k <= 4; k++) {
        simcpu_reset();
        simcpu_set_handler(IRQ, consumer_irq);
        struct byte_ring r;
        byte_ring_init(&r, storage, 2);
        by_hand_push(&r, 'a');
        by_hand_push(&r, 'b');
        irq_ring = &r;
        popped[0] = '\0';
        simcpu_raise_at_point(IRQ, k);
        bool pushed = byte_ring_push(&r, 'c');
        simcpu_raise_at_point(IRQ, 0);
        cr_assert_str_eq(popped, "a", "k=%llu: the consumer ran once", (unsigned long long)k);
        ASSERT_EQ(pushed, k <= 2, "k=%llu: room only if head was read after the pop",
                  (unsigned long long)k);
        ASSERT_EQ(byte_ring_dropped(&r), k >= 3, "k=%llu", (unsigned long long)k);
        uint8_t b;
        cr_assert(by_hand_pop(&r, &b));
        ASSERT_EQ(b, 'b', "k=%llu: order kept", (unsigned long long)k);
        ASSERT_EQ(by_hand_pop(&r, &b) ? b : 0, pushed ? 'c' : 0, "k=%llu", (unsigned long long)k);
    }
    test_points("byte_ring.push_full", false, 4, 4, 0); // nothing lost: the asserts above
}

// The other CPU's consumer at every point of a push into an empty ring: it
// finds nothing, or the byte pushed, never the slot's old contents. A push
// that publishes tail before it writes the byte is caught after its store.
static char consumed[4];
static void consume_all_irq(void)
{
    uint8_t b;
    while (by_hand_pop(irq_ring, &b))
        strncat(consumed, (const char *)&b, 1);
}

Test(ring_push, consumer_at_every_point_sees_only_published_bytes)
{
    for (uint64_t k = 1; k <= 4; k++) {
        simcpu_reset();
        simcpu_set_handler(IRQ, consume_all_irq);
        struct byte_ring r;
        byte_ring_init(&r, storage, 2);
        storage[0] = storage[1] = 'x'; // what a slot held before
        irq_ring = &r;
        consumed[0] = '\0';
        simcpu_raise_at_point(IRQ, k);
        cr_assert(byte_ring_push(&r, 'c'));
        simcpu_raise_at_point(IRQ, 0);
        ASSERT_EQ(simcpu_delivered(IRQ), 1, "k=%llu: the consumer ran", (unsigned long long)k);
        consume_all_irq(); // whatever it did not take yet
        ASSERT_STR_EQ(consumed, "c",
                      "k=%llu: the consumer took the pushed byte once, and nothing else",
                      (unsigned long long)k);
    }
    test_points("byte_ring.push", false, 4, 4, 0);
}

// ---- ring_pop: exercise 3.2 ----

Test(ring_pop, empty_ring_gives_nothing)
{
    struct byte_ring r;
    random_ring(&r);
    uint32_t at = (uint32_t)test_random();
    hand_set(&r, at, at);
    uint8_t b = 0x77;
    cr_assert_not(byte_ring_pop(&r, &b), "pop of an empty ring");
    ASSERT_EQ(b, 0x77, "leaves *byte alone");
    ASSERT_EQ(head_of(&r), at, "and head");
}

Test(ring_pop, takes_bytes_in_the_order_pushed)
{
    struct byte_ring r;
    uint32_t capacity = random_ring(&r);
    uint8_t expected[256];
    uint32_t n = (uint32_t)test_random_range(1, capacity);
    for (uint32_t i = 0; i < n; i++)
        by_hand_push(&r, expected[i] = random_byte());
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        cr_assert(byte_ring_pop(&r, &b), "pop %u of %u", i + 1, n);
        ASSERT_EQ(b, expected[i], "byte %u", i);
        ASSERT_EQ(head_of(&r), i + 1, "head after %u pops gives the slot back", i + 1);
        ASSERT_EQ(tail_of(&r), n, "pop never moves tail");
    }
    uint8_t b;
    cr_assert_not(byte_ring_pop(&r, &b), "all %u taken", n);
}

Test(ring_pop, wraps_around_the_32_bit_indices)
{
    struct byte_ring r;
    byte_ring_init(&r, storage, 4);
    uint32_t start = UINT32_MAX - (uint32_t)test_random_range(0, 3);
    hand_set(&r, start, start);
    for (uint32_t round = 0; round < 3; round++) {
        for (uint8_t i = 0; i < 4; i++)
            by_hand_push(&r, (uint8_t)(round * 4 + i));
        for (uint8_t i = 0; i < 4; i++) {
            uint8_t b;
            cr_assert(byte_ring_pop(&r, &b), "round %u pop %u from index %u", round, i, start);
            ASSERT_EQ(b, round * 4 + i);
        }
        uint8_t b;
        cr_assert_not(byte_ring_pop(&r, &b));
    }
    ASSERT_EQ(head_of(&r), (uint32_t)(start + 12), "head wrapped past zero");
}

Test(ring_pop, capacity_one_holds_one_byte)
{
    struct byte_ring r;
    byte_ring_init(&r, storage, 1);
    uint8_t got;
    for (int i = 0; i < 3; i++) {
        uint8_t a = random_byte();
        by_hand_push(&r, a);
        cr_assert(byte_ring_pop(&r, &got), "pop %d", i);
        ASSERT_EQ(got, a);
        cr_assert_not(byte_ring_pop(&r, &got), "pop %d emptied it", i);
    }
}

Test(ring_pop, walks_four_interrupt_points_two_when_empty)
{
    simcpu_reset();
    struct byte_ring r;
    byte_ring_init(&r, storage, 4);
    uint8_t b;
    uint64_t before = simcpu_points();
    cr_assert_not(byte_ring_pop(&r, &b));
    ASSERT_EQ(simcpu_points() - before, 2, "pop of an empty ring: load head, load tail");
    by_hand_push(&r, 9);
    before = simcpu_points();
    cr_assert(byte_ring_pop(&r, &b));
    ASSERT_EQ(simcpu_points() - before, 4,
              "pop of a byte: load head, load tail, before and after the head store");
}

static void producer_irq(void) { by_hand_try_push(irq_ring, 'p'); }

// The producer interrupt at every point of a pop, with the ring empty, half
// full and full. An empty pop sees a byte pushed before it reads tail; a pop
// of a byte returns the oldest, whatever is pushed meanwhile. With the ring
// full, the push finds room only once pop has given the slot back (point 4):
// a pop that gives it back before reading it would read the pushed byte.
Test(ring_pop, producer_at_every_point)
{
    for (unsigned fill = 0; fill <= 2; fill++) {
        uint64_t points = fill ? 4 : 2;
        for (uint64_t k = 1; k <= points; k++) {
            simcpu_reset();
            simcpu_set_handler(IRQ, producer_irq);
            struct byte_ring r;
            byte_ring_init(&r, storage, 2);
            irq_ring = &r;
            for (unsigned i = 0; i < fill; i++)
                by_hand_push(&r, (uint8_t)('a' + i));
            simcpu_raise_at_point(IRQ, k);
            char got[4] = "";
            uint8_t b;
            cr_assert(byte_ring_pop(&r, &b), "fill %u, k=%llu", fill, (unsigned long long)k);
            ASSERT_EQ(simcpu_delivered(IRQ), 1, "fill %u, k=%llu: the interrupt landed", fill,
                      (unsigned long long)k);
            got[0] = (char)b;
            while (by_hand_pop(&r, &b))
                strncat(got, (const char *)&b, 1);
            bool dropped = fill == 2 && k < 4; // full until the pop's head store
            const char *expected = fill == 0 ? "p" : fill == 1 ? "ap" : dropped ? "ab" : "abp";
            ASSERT_STR_EQ(got, expected, "fill %u, interrupt at point %llu of the pop", fill,
                          (unsigned long long)k);
            ASSERT_EQ(byte_ring_dropped(&r), dropped, "fill %u, k=%llu", fill,
                      (unsigned long long)k);
        }
        test_points("byte_ring.pop", false, points, points, 0); // nothing lost: the asserts
    }
}

// ---- byte_ring: both sides ----

Test(byte_ring, init_refuses_a_capacity_that_is_not_a_power_of_two, .signal = SIGABRT)
{
    struct byte_ring r;
    long capacity;
    do
        capacity = test_random_range(3, 255);
    while ((capacity & (capacity - 1)) == 0);
    byte_ring_init(&r, storage, (size_t)capacity);
}

Test(byte_ring, init_refuses_capacity_zero, .signal = SIGABRT)
{
    struct byte_ring r;
    byte_ring_init(&r, storage, 0);
}

Test(byte_ring, is_empty_and_capacity)
{
    struct byte_ring r;
    uint32_t capacity = random_ring(&r);
    ASSERT_EQ(byte_ring_capacity(&r), capacity);
    cr_assert(byte_ring_is_empty(&r));
    cr_assert(byte_ring_push(&r, 1));
    cr_assert_not(byte_ring_is_empty(&r));
    uint8_t b;
    cr_assert(byte_ring_pop(&r, &b));
    cr_assert(byte_ring_is_empty(&r));
}

// A long random run of pushes and pops against the obvious model (an array
// and a count), from index 0 and from just before the indices wrap.
static void against_a_model(uint32_t start)
{
    struct byte_ring r;
    uint32_t capacity = random_ring(&r);
    hand_set(&r, start, start);
    uint8_t model[256];
    uint32_t first = 0, count = 0, dropped = 0;
    // Phases that favour pushes, then pops, so the ring fills and empties.
    for (int phase = 0; phase < 200; phase++) {
        long push_percent = phase % 2 ? 30 : 70;
        for (int i = 0; i < 500; i++) {
            if (test_random_range(1, 100) <= push_percent) {
                uint8_t b = random_byte();
                bool room = count < capacity;
                ASSERT_EQ(byte_ring_push(&r, b), room, "push with %u of %u", count, capacity);
                if (room)
                    model[(first + count++) % capacity] = b;
                else
                    dropped++;
            } else {
                uint8_t b = 0;
                ASSERT_EQ(byte_ring_pop(&r, &b), count > 0, "pop with %u of %u", count, capacity);
                if (count) {
                    ASSERT_EQ(b, model[first], "phase %d step %d", phase, i);
                    first = (first + 1) % capacity;
                    count--;
                }
            }
            ASSERT_EQ(byte_ring_is_empty(&r), count == 0);
        }
    }
    ASSERT_EQ(byte_ring_dropped(&r), dropped);
    ASSERT_EQ(tail_of(&r) - head_of(&r), count);
}

Test(byte_ring, random_pushes_and_pops_match_a_model) { against_a_model(0); }

Test(byte_ring, random_pushes_and_pops_across_the_index_wrap)
{
    against_a_model(UINT32_MAX - (uint32_t)test_random_range(0, 20000));
}

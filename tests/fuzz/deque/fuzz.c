// libFuzzer harness for the work-stealing deque against a model: a plain
// array from top to bottom, as deque.h describes it. The input picks where
// the free-running indices start, then a sequence of calls: the owner's
// pushes (one, or a burst that may fill the deque) and pops, and steals;
// each may have another call land in it as an interrupt at a chosen
// interrupt point (a steal inside a push or a pop, a pop or a steal inside
// a steal), as another CPU's call would. The two calls must then have done
// what they do in one order or the other: their results and the deque they
// leave (indices and items) are those of the model running them one after
// the other, main call first or interrupt first. The only other outcome
// allowed is a steal's DEQUE_RETRY, when the call that interrupted it took
// the item it was after. No item is ever taken twice; at the end the owner
// pops every item the model still holds, in the model's order.
//
// fuzz-sources: {chapter}/src/deque.c kernel-base/host/simcpu.c
// fuzz-include: {chapter}/src kernel-base/include kernel-base/host
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deque.h"
#include "panic.h"
#include "simcpu.h"

#define IRQ       1
#define CAP       DEQUE_CAPACITY
#define MAX_INPUT 1024
#define MAX_ITEMS (1u << 18) // more than MAX_INPUT bytes can push

enum call { PUSH, POP, STEAL, NONE };

struct model {
    uint32_t items[CAP]; // index i in items[i % CAP], as in the deque
    int64_t top, bottom;
    uint32_t overflows;
};

// What a call did: push and pop give 1 or 0, steal its enum deque_steal.
struct result {
    int what;
    uint32_t item;
};

static struct deque dq;
static struct model model;
static uint8_t taken[MAX_ITEMS];
static uint32_t next_item = MAX_ITEMS; // the first input clears them all
static size_t at;                      // input position, for messages

void panic_at(const char *file, int line, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "PANIC at %s:%d: ", file, line);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...);

static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "deque fuzz: at input byte %zu (top %lld, bottom %lld): ", at,
            (long long)model.top, (long long)model.bottom);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

// ---- the model: one call at a time ----

static struct result model_call(struct model *m, enum call c, uint32_t item)
{
    struct result r = {0, 0};
    int64_t length = m->bottom - m->top;
    if (c == PUSH) {
        r.what = length < CAP;
        if (r.what)
            m->items[(uint64_t)m->bottom++ % CAP] = item;
        else
            m->overflows++;
    } else if (c == POP && length > 0) {
        r = (struct result){1, m->items[(uint64_t)(m->bottom - 1) % CAP]};
        if (length == 1)
            m->top++; // the last item is taken by moving top, as the deque does
        else
            m->bottom--;
    } else if (c == STEAL) {
        r.what = DEQUE_EMPTY;
        if (length > 0)
            r = (struct result){DEQUE_STOLEN, m->items[(uint64_t)m->top++ % CAP]};
    }
    return r;
}

// ---- the deque: a call, and one landed in it ----

static struct result real_call(enum call c, uint32_t item)
{
    struct result r = {0, 0};
    if (c == PUSH)
        r.what = deque_push(&dq, item);
    else if (c == POP)
        r.what = deque_pop(&dq, &r.item);
    else
        r.what = deque_steal(&dq, &r.item);
    return r;
}

static enum call irq_call;
static uint32_t irq_item;
static struct result irq_result;
static void irq_handler(void) { irq_result = real_call(irq_call, irq_item); }

static bool same(struct result a, struct result b)
{
    return a.what == b.what && (!a.what || a.item == b.item);
}

static bool indices_are(const struct model *m)
{
    return atomic_load(&dq.top) == m->top && atomic_load(&dq.bottom) == m->bottom &&
           atomic_load(&dq.overflows) == m->overflows;
}

// Whether the deque's indices, overflows and items are the model's.
static bool deque_is(const struct model *m)
{
    if (!indices_are(m))
        return false;
    for (int64_t i = m->top; i < m->bottom; i++)
        if (atomic_load(&dq.items[(uint64_t)i % CAP]) != m->items[(uint64_t)i % CAP])
            return false;
    return true;
}

static void note_taken(struct result r, enum call c)
{
    if (c == PUSH || (c == POP && !r.what) || (c == STEAL && r.what != DEQUE_STOLEN))
        return;
    if (r.item >= MAX_ITEMS || taken[r.item]++)
        fail("item %u taken twice (the second time by a %s)", r.item, c == POP ? "pop" : "steal");
}

// The main call, with `inner` landed at its interrupt point k (0: none).
// Accepts the outcome of either order, and moves the model to it.
static void race(enum call main, enum call inner, uint64_t k)
{
    uint32_t item = next_item, inner_item = next_item + 1;
    irq_call = inner;
    irq_item = inner_item;
    uint64_t landed = simcpu_delivered(IRQ);
    if (inner != NONE && k)
        simcpu_raise_at_point(IRQ, k);
    struct result got = real_call(main, item);
    simcpu_raise_at_point(IRQ, 0); // a point the call did not reach: cancel it
    bool interrupted = simcpu_delivered(IRQ) != landed;

    struct model first = model, inner_first = model;
    struct result want = model_call(&first, main, item);
    if (interrupted) {
        struct result want_inner = model_call(&first, inner, inner_item);
        struct result inner_did = model_call(&inner_first, inner, inner_item);
        struct model second = inner_first;
        struct result main_did = model_call(&second, main, item);
        // DEQUE_RETRY: the call that landed took the oldest item (it moved top).
        bool lost_race = main == STEAL && got.what == DEQUE_RETRY && inner_first.top != model.top;
        if (same(got, main_did) && same(irq_result, inner_did) && deque_is(&second))
            first = second;
        else if (lost_race && same(irq_result, inner_did))
            first = inner_first;
        else if (!same(got, want) || !same(irq_result, want_inner) || !deque_is(&first))
            fail("call %d with call %d landed at point %llu: got %d (item %u) and %d (item %u), "
                 "in no order the model allows",
                 main, inner, (unsigned long long)k, got.what, got.item, irq_result.what,
                 irq_result.item);
        note_taken(irq_result, inner);
    } else if (!same(got, want)) {
        fail("call %d returned %d (item %u), the model %d (item %u)", main, got.what, got.item,
             want.what, want.item);
    }
    note_taken(got, main);
    model = first;
    // The items are compared after a race; after a call alone, the indices
    // (each item is compared when it is taken: the drain at the end takes all).
    if (interrupted ? !deque_is(&model) : !indices_are(&model))
        fail("the deque's indices or items differ from the model's");
    next_item += 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// Byte 0: where the indices start (0-127, or across the end of the array
// from CAP - 64 for odd bytes). Then one byte a call: bits 7-6 the call
// (push, pop, steal, a burst of pushes), bits 5-4 what lands in it (nothing,
// a steal, a pop, a steal; a pop only in a steal, since the owner's calls
// never overlap), bits 3-0 the interrupt point (0: none). A burst pushes
// (bits 5-0) + 1 items with no interrupt.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (size > MAX_INPUT)
        size = MAX_INPUT; // longer stories are no richer for a deque of 64, only slower
    simcpu_reset();
    simcpu_set_handler(IRQ, irq_handler);
    deque_init(&dq);
    int64_t start = data[0] & 1 ? CAP - (data[0] >> 1) : data[0] >> 1;
    model = (struct model){.top = start, .bottom = start};
    atomic_store(&dq.top, start);
    atomic_store(&dq.bottom, start);
    memset(taken, 0, next_item); // what the previous input used
    next_item = 1;
    static const enum call inner_of[4] = {NONE, STEAL, POP, STEAL};
    for (at = 1; at < size && next_item < MAX_ITEMS - 8 * CAP; at++) {
        uint8_t op = data[at];
        enum call main = (enum call)(op >> 6), inner = inner_of[op >> 4 & 3];
        if (main == NONE) {
            for (unsigned n = (op & 63) + 1; n; n--)
                race(PUSH, NONE, 0);
            continue;
        }
        race(main, main != STEAL && inner == POP ? STEAL : inner, op & 15);
    }
    // What is left comes out at the bottom, newest first.
    while (model.bottom > model.top)
        race(POP, NONE, 0);
    race(POP, NONE, 0);
    race(STEAL, NONE, 0);
    return 0;
}

// The idle protocol's handshake, alone, over every interleaving: a small
// exhaustive model of two CPUs with x86's store buffers. The sleeper stores
// its flag, fences, and loads the queue; the waker stores the task into the
// queue, fences, and loads the flag. A wakeup is lost when the sleeper sees
// no task (and halts) and the waker sees no flag (and sends no IPI).
//
// The model is x86-TSO: each CPU's stores go into its own FIFO store buffer
// and reach memory later, one at a time, at any moment; a load sees the
// CPU's own latest buffered store to that location, else memory; a fence
// waits until its CPU's buffer is empty. Every order of every step and
// every drain is tried. With both fences no interleaving loses the wakeup;
// without them (executor.c's IDLE_BUG=nofence twin) some do, which a
// simulated CPU that runs one access at a time, in order, can never show;
// and so does each order of the naive twins' steps (look before announcing,
// call before pushing), fences or not.
#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

#include "testing.h"

TestSuite(dekker, .timeout = 10);

enum { FLAG, QUEUE, LOCATIONS };
enum kind { STORE, LOAD, FENCE };

struct op {
    enum kind kind;
    int loc;
};

#define MAX_OPS 3
struct cpu_program {
    struct op ops[MAX_OPS];
    int n;
};

// The sleeper's and the waker's steps, in program order.
static const struct cpu_program sleeper = {{{STORE, FLAG}, {FENCE, 0}, {LOAD, QUEUE}}, 3};
static const struct cpu_program waker = {{{STORE, QUEUE}, {FENCE, 0}, {LOAD, FLAG}}, 3};
static const struct cpu_program sleeper_no_fence = {{{STORE, FLAG}, {LOAD, QUEUE}}, 2};
static const struct cpu_program waker_no_fence = {{{STORE, QUEUE}, {LOAD, FLAG}}, 2};
// The planted bugs of tests/mutants.txt, as programs: the flag raised after
// the look, and the flag read (and the IPI decided) before the push.
static const struct cpu_program sleeper_flag_after_look = {
    {{LOAD, QUEUE}, {STORE, FLAG}, {FENCE, 0}}, 3};
static const struct cpu_program waker_reads_before_push = {
    {{LOAD, FLAG}, {FENCE, 0}, {STORE, QUEUE}}, 3};

struct state {
    int pc[2];              // next op of each CPU
    int buffer[2][MAX_OPS]; // each CPU's store buffer: locations, oldest first (the value is 1)
    int buffered[2];
    int memory[LOCATIONS];
    int seen[2]; // what each CPU's load read (-1: not yet)
};

struct tally {
    unsigned long interleavings, lost;
};

static const struct cpu_program *programs[2];
static bool sequentially_consistent; // no store buffers: a store reaches memory at once

static int load(const struct state *s, int cpu, int loc)
{
    for (int i = s->buffered[cpu] - 1; i >= 0; i--)
        if (s->buffer[cpu][i] == loc)
            return 1; // forwarded from its own buffer
    return s->memory[loc];
}

// Every way on from state s: one CPU's next op, or one buffer's oldest store
// draining to memory. A finished run counts; it loses the wakeup if the
// sleeper (CPU 0) saw no task and the waker (CPU 1) saw no flag.
static void explore(struct state s, struct tally *t)
{
    bool moved = false;
    for (int cpu = 0; cpu < 2; cpu++) {
        if (s.buffered[cpu]) { // drain its oldest store
            struct state next = s;
            next.memory[next.buffer[cpu][0]] = 1;
            memmove(next.buffer[cpu], next.buffer[cpu] + 1,
                    sizeof next.buffer[cpu][0] * (MAX_OPS - 1));
            next.buffered[cpu]--;
            explore(next, t);
            moved = true;
        }
        if (s.pc[cpu] == programs[cpu]->n)
            continue;
        const struct op *op = &programs[cpu]->ops[s.pc[cpu]];
        if (op->kind == FENCE && s.buffered[cpu])
            continue; // a fence waits for its buffer to drain
        struct state next = s;
        next.pc[cpu]++;
        if (op->kind == STORE && sequentially_consistent)
            next.memory[op->loc] = 1;
        else if (op->kind == STORE)
            next.buffer[cpu][next.buffered[cpu]++] = op->loc;
        else if (op->kind == LOAD)
            next.seen[cpu] = load(&s, cpu, op->loc);
        explore(next, t);
        moved = true;
    }
    if (!moved) { // both programs done, both buffers drained
        t->interleavings++;
        if (s.seen[0] == 0 && s.seen[1] == 0)
            t->lost++;
    }
}

static struct tally run_model(const struct cpu_program *s, const struct cpu_program *w, bool sc)
{
    programs[0] = s;
    programs[1] = w;
    sequentially_consistent = sc;
    struct state start = {.seen = {-1, -1}};
    struct tally t = {0, 0};
    explore(start, &t);
    return t;
}

// region: dekker_model_tests
Test(dekker, with_both_fences_no_interleaving_loses_the_wakeup)
{
    struct tally t = run_model(&sleeper, &waker, false);
    cr_assert_gt(t.interleavings, 10);
    ASSERT_EQ(t.lost, 0, "of %lu interleavings", t.interleavings);
    test_points("dekker.tso", false, t.interleavings, t.interleavings, t.lost);
}

Test(dekker, without_the_fences_store_buffers_lose_it)
{
    struct tally t = run_model(&sleeper_no_fence, &waker_no_fence, false);
    cr_assert_gt(t.lost, 0, "of %lu interleavings, none lost the wakeup", t.interleavings);
    test_points("dekker.tso", true, t.interleavings, t.interleavings, t.lost);
}

Test(dekker, one_fence_is_not_enough)
{
    struct tally sleeper_only = run_model(&sleeper, &waker_no_fence, false);
    struct tally waker_only = run_model(&sleeper_no_fence, &waker, false);
    cr_assert_gt(sleeper_only.lost, 0, "the waker's read overtook its push");
    cr_assert_gt(waker_only.lost, 0, "the sleeper's look overtook its flag");
}

// Where every store reaches memory before the next step, as on one CPU
// or the simulated one, the fence-less handshake is right: the bug lives
// in the store buffer alone.
Test(dekker, without_store_buffers_the_fences_change_nothing)
{
    struct tally t = run_model(&sleeper_no_fence, &waker_no_fence, true);
    ASSERT_EQ(t.lost, 0, "of %lu interleavings", t.interleavings);
}

// The wrong orders lose it even with fences, even without store buffers.
Test(dekker, a_flag_raised_after_the_look_or_read_before_the_push_loses_it)
{
    cr_assert_gt(run_model(&sleeper_flag_after_look, &waker, true).lost, 0);
    cr_assert_gt(run_model(&sleeper, &waker_reads_before_push, true).lost, 0);
}
// endregion: dekker_model_tests

// libFuzzer harness for the waker executor against a model: the input is a
// sequence of spawns, wakes (from task context, from an interrupt, in
// bursts, with stale ids of finished tasks, and with forged ids whose slot
// is outside the table) and rounds of
// run_ready_tasks, and each task follows a script from the input (pending
// a few times, waking itself or another task, then ready). The model keeps
// the ready queue the way executor.h describes it: slots in wake order, a
// slot queued at most once (its queued bit), the bit cleared just before the
// poll, an entry whose task finished skipped. After every round the tasks
// polled, in order, must be the model's, and so must the counts: polls,
// live tasks, free slots, live allocations, queued entries; the queue never
// overflows.
//
// fuzz-sources: {chapter}/src/executor.c {chapter}/src/ready_queue.c {chapter}/src/task.c
// fuzz-sources: {chapter}/src/future.c kernel-base/lib/mem.c kernel-base/lib/kformat.c
// fuzz-sources: kernel-base/host/mem.c kernel-base/host/simcpu.c kernel-base/host/panic.c
// fuzz-sources: kernel-base/host/console.c
// fuzz-include: {chapter}/src kernel-base/include kernel-base/host
// fuzz-requires: {chapter}/src/executor.h {chapter}/src/ready_queue.h
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"
#include "mem.h"
#include "simcpu.h"

#define IRQ 3
#define MAX_IDS 512   // ids handed out per input, live or stale
#define MAX_ROUNDS 64 // rounds to drain at the end (a task may wake itself forever)

// The harness's tasks: a script byte says what each poll does.
//   bits 0-2: pending this many polls, then ready (7: never ready)
//   bit 3:    wake itself on each pending poll
//   bit 4:    wake itself in its last (ready) poll
//   bits 5-7: if not 0, wake ids[(its index + this) % ids issued] on every poll
struct scripted {
    struct future base;
    int index; // into ids[]
    uint8_t script;
    unsigned polls;
};

static struct executor ex;
static struct task_id ids[MAX_IDS];
static int nids;

// The model, by slot.
static struct {
    int task[EXECUTOR_MAX_TASKS]; // index into ids[] of the slot's task, -1 if free
    bool alive[MAX_IDS]; // by index into ids[]: spawned and not finished
    bool queued[EXECUTOR_MAX_TASKS];
    uint8_t queue[4 * EXECUTOR_MAX_TASKS];
    unsigned head, tail, live;
    unsigned long polls;
} model;

// Entries of the model's queue that the current round still has to pop.
static unsigned round_left;
static size_t at;
static struct task_id irq_target;

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...);

static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "executor fuzz: at input byte %zu: ", at);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

static void model_queue(uint32_t slot)
{
    if (model.queued[slot])
        return;
    model.queued[slot] = true;
    if (model.tail - model.head == EXECUTOR_MAX_TASKS)
        fail("the model's queue overflowed: a slot queued twice?");
    model.queue[model.tail++ % (4 * EXECUTOR_MAX_TASKS)] = (uint8_t)slot;
}

// What a wake of task ids[i] does, in the model, then for real.
static void wake(int i, bool from_interrupt)
{
    struct task_id id = ids[i];
    if (model.alive[i])
        model_queue(id.slot);
    if (from_interrupt) {
        irq_target = id;
        simcpu_raise(IRQ);
    } else {
        struct waker w = executor_waker(id);
        waker_wake_by_ref(&w);
    }
}

static void irq_handler(void)
{
    struct waker w = executor_waker(irq_target);
    waker_wake(&w); // consumes it: a waker value, so nothing is freed
}

// The model's next poll of this round: pop entries, clearing each one's bit
// just before its poll as the executor does, and skipping those whose task
// finished after the wake that queued them. -1 if the round is over.
static int model_next_poll(void)
{
    while (round_left) {
        round_left--;
        uint8_t slot = model.queue[model.head++ % (4 * EXECUTOR_MAX_TASKS)];
        model.queued[slot] = false;
        if (model.task[slot] >= 0) {
            model.polls++;
            return model.task[slot];
        }
    }
    return -1;
}

static void model_finish(int i)
{
    model.task[ids[i].slot] = -1;
    model.alive[i] = false;
    model.live--;
}

static enum poll scripted_poll(struct future *f, struct context *cx)
{
    struct scripted *self = (struct scripted *)f;
    int expect = model_next_poll();
    if (expect != self->index)
        fail("the executor polled task %d; the model's next poll is task %d (-1: none)",
             self->index, expect);
    unsigned pending = self->script & 7;
    bool last = pending != 7 && self->polls == pending;
    self->polls++;
    if (self->script >> 5 && nids)
        wake((self->index + (self->script >> 5)) % nids, false);
    if (last ? self->script & 16 : self->script & 8) {
        model_queue(ids[self->index].slot);
        waker_wake_by_ref(cx->waker);
    }
    if (last)
        model_finish(self->index); // the executor frees it right after this poll
    return last ? POLL_READY : POLL_PENDING;
}

static void spawn(uint8_t script)
{
    if (nids == MAX_IDS)
        return;
    struct scripted t = {.index = nids, .script = script};
    future_init(&t.base, scripted_poll);
    struct task_id id;
    enum executor_spawn_result r = EXECUTOR_SPAWN(&ex, &t, NULL, &id);
    if (model.live == EXECUTOR_MAX_TASKS) {
        if (r != EXECUTOR_TABLE_FULL)
            fail("spawn into a full table returned %d", r);
        return;
    }
    if (r != EXECUTOR_SPAWNED)
        fail("spawn returned %d with %u of %u tasks alive", r, model.live, EXECUTOR_MAX_TASKS);
    if (id.slot >= EXECUTOR_MAX_TASKS || model.task[id.slot] != -1)
        fail("spawn used slot %u, which is not free", id.slot);
    // A slot's generations are never given twice, so no old id names this task.
    for (int i = 0; i < nids; i++)
        if (ids[i].slot == id.slot && ids[i].generation == id.generation)
            fail("slot %u: generation %llu given again (task %d had it)", id.slot,
                 (unsigned long long)id.generation, i);
    model.task[id.slot] = nids;
    model.alive[nids] = true;
    model.live++;
    ids[nids++] = id;
    model_queue(id.slot); // every new task is ready
}

// One round of run_ready_tasks: it pops the entries queued when it began
// (scripted_poll checks each poll against the model); what is left of them
// when it returns must be entries whose task is gone.
static void round_checked(void)
{
    round_left = model.tail - model.head;
    unsigned long polls_before = model.polls;
    unsigned long returned = executor_run_ready_tasks(&ex);
    int missed = model_next_poll();
    if (missed >= 0)
        fail("the round ended before polling task %d", missed);
    if (returned != model.polls - polls_before)
        fail("run_ready_tasks returned %lu, the model polled %lu", returned,
             model.polls - polls_before);
}

static void check_counts(void)
{
    if (ex.free_count != EXECUTOR_MAX_TASKS - model.live)
        fail("%u free slots; the model has %u tasks alive", ex.free_count, model.live);
    if (executor_task_count(&ex) != model.live || mem_stats().live_allocations != model.live)
        fail("%u tasks, %zu allocations; the model has %u tasks", executor_task_count(&ex),
             mem_stats().live_allocations, model.live);
    if (ready_queue_overflows(&ex.ready))
        fail("the ready queue overflowed");
    if (ready_queue_length(&ex.ready) != model.tail - model.head)
        fail("%u queued, the model has %u", ready_queue_length(&ex.ready), model.tail - model.head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    simcpu_reset();
    simcpu_set_handler(IRQ, irq_handler);
    executor_init(&ex);
    model.head = model.tail = model.live = 0;
    model.polls = 0;
    for (unsigned s = 0; s < EXECUTOR_MAX_TASKS; s++) {
        model.task[s] = -1;
        model.queued[s] = false;
    }
    nids = 0;
    size_t live_before = mem_stats().live_allocations;
    if (live_before)
        fail("%zu allocations left over from the previous input", live_before);

    for (at = 0; at < size; at++) {
        uint8_t op = data[at], arg = at + 1 < size ? data[at + 1] : 0;
        switch (op % 8) {
        case 0:
        case 1: spawn(arg), at++; break;
        case 2:
            if (nids)
                wake(arg % nids, false);
            at++;
            break;
        case 3:
            if (nids)
                wake(arg % nids, true);
            at++;
            break;
        case 6: // a forged id: a slot outside the table changes nothing
            executor_wake((struct task_id){EXECUTOR_MAX_TASKS + arg * 4u, arg});
            at++;
            break;
        case 7:
            if (nids)
                for (int i = 0; i < 3; i++)
                    wake(arg % nids, op & 8);
            at++;
            break;
        default: round_checked(); break;
        }
        check_counts();
    }
    for (int r = 0; r < MAX_ROUNDS && model.tail != model.head; r++) {
        round_checked();
        check_counts();
    }
    // Leave nothing behind for the next input: free what never finished.
    for (unsigned s = 0; s < EXECUTOR_MAX_TASKS; s++)
        if (ex.slots[s].task)
            task_free(ex.slots[s].task);
    return 0;
}

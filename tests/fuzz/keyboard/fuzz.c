// libFuzzer harness for the whole keyboard path of a chapter kernel: bytes
// from the fuzzer arrive as keyboard interrupts (the simulated CPU runs the
// handler, which calls irq_stream_push as the kernel's IRQ 1 handler does),
// at interrupt points inside the keyboard task's polls and between them,
// in bursts that overflow the ring; the keyboard task decodes and echoes
// them (into the host console). Any input: no crash, no undefined
// behaviour, the task never finishes, every byte the ring took reaches the
// task, and whenever a byte waits in the ring the task's waker has been
// woken since its last poll (no lost wakeup, end to end).
//
// fuzz-sources: {chapter}/src/keyboard_task.c {chapter}/src/irq_stream.c {chapter}/src/stream.c
// fuzz-sources: {chapter}/src/future.c {chapter}/src/byte_ring.c {chapter}/src/atomic_waker.c
// fuzz-sources: kernel-base/lib/scancode*.c kernel-base/lib/kformat.c
// fuzz-sources: kernel-base/host/simcpu.c kernel-base/host/console.c kernel-base/host/panic.c
// fuzz-include: {chapter}/src kernel-base/include kernel-base/host
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "console_capture.h"
#include "keyboard_task.h"
#include "simcpu.h"

#define IRQ 1

static uint8_t buffer[16]; // small, so that bursts overflow it
static struct irq_stream keyboard;
static struct keyboard_task task;
static const uint8_t *input;
static size_t pos, end, burst; // burst: scancodes the next interrupts deliver
static unsigned long accepted;
static bool woken;

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...);

static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "keyboard fuzz: at input byte %zu: ", pos);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

// The keyboard interrupt: the next scancode of the current burst.
static void keyboard_irq(void)
{
    if (!burst || pos >= end)
        return;
    burst--;
    accepted += irq_stream_push(&keyboard, input[pos++]);
}

// The task's waker, as an executor's would be: it only notes the wake.
static struct waker note_clone(const void *data);
static void note_wake(const void *data)
{
    (void)data;
    woken = true;
}
static void nothing(const void *data) { (void)data; }
static const struct waker_vtable note_vtable = {
    .clone = note_clone, .wake = note_wake, .wake_by_ref = note_wake, .drop = nothing};
static struct waker note_clone(const void *data) { return (struct waker){data, &note_vtable}; }

static void poll_task(void)
{
    struct waker w = {&task, &note_vtable};
    struct context cx = {.waker = &w};
    woken = false;
    if (future_poll(&task.base, &cx) != POLL_PENDING)
        fail("the keyboard task finished");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    simcpu_reset();
    simcpu_set_handler(IRQ, keyboard_irq);
    console_output_clear();
    keyboard = (struct irq_stream)IRQ_STREAM_INIT("keyboard", buffer);
    keyboard_task_init(&task, &keyboard, NULL, NULL);
    input = data, pos = 1, end = size, accepted = 0;

    // Scancodes may arrive before the task opens its stream: counted, dropped.
    for (burst = data[0] % 4; burst && pos < end;)
        simcpu_raise(IRQ);
    poll_task(); // opens the stream

    // Then chunks: a control byte, then (control & 15) scancodes that arrive
    // while the task waits, and one more that lands at interrupt point
    // 2 * (control >> 4) + 1 of the polls the first ones cause: inside the
    // fast path, the register or the second check of some poll_next, often
    // just after a wake took the registered waker away. The task is polled
    // (at least once: polls may be spurious) until a poll ends unwoken.
    while (pos < end) {
        uint8_t control = input[pos++];
        for (burst = control & 15; burst && pos < end;)
            simcpu_raise(IRQ);
        if (!byte_ring_is_empty(&keyboard.ring) && !woken)
            fail("bytes wait in the ring, and the task's waker was not woken");
        burst = 1;
        simcpu_raise_at_point(IRQ, 2 * (control >> 4) + 1);
        int polls = 0;
        do {
            if (++polls > 64)
                fail("the task keeps waking itself");
            poll_task();
        } while (woken);
        simcpu_raise_at_point(IRQ, 0);
        burst = 0;
        if (!byte_ring_is_empty(&keyboard.ring))
            fail("the task waits, unwoken, with bytes in the ring: a lost wakeup");
    }
    // The consumer's index counts what the task took from the ring.
    unsigned long taken = atomic_load(&keyboard.ring.head);
    if (taken != accepted)
        fail("the ring took %lu scancodes, the task got %lu", accepted, taken);
    return 0;
}

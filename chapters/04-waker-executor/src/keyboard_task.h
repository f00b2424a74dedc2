// The keyboard task: an async function that awaits each scancode from the
// keyboard's interrupt-fed stream, decodes it and echoes the key. Decoding
// and printing happen here, in task context, instead of in the interrupt
// handler as kernel-base's demo does.
#pragma once

#include "irq_stream.h"
#include "scancode.h"
#include "stream.h"

// region: keyboard_task_fn
//     async void keyboard_task(struct irq_stream *keyboard)
//     {
//         struct stream *scancodes = irq_stream_open(keyboard);
//         for (;;) {
//             uint8_t byte = await stream_next(scancodes);
//             report any drops;
//             decode byte, echo the key or report the unknown sequence;
//         }
//     }
// endregion: keyboard_task_fn

// region: keyboard_task
struct keyboard_task {
    struct future base;
    int resume;
    struct irq_stream *source; // where the scancodes come from (its drop counts too)
    struct stream *stream;     // the source, opened by the first poll
    struct stream_next next;   // the await in progress
    struct scancode_decoder decoder;
    // What waiting for a key costs, on the status line after every key and
    // in a line of its own after Enter: polls of this task, against the
    // scancodes and wakes that called for them.
    unsigned long polls;     // times this task was polled
    unsigned long scancodes; // bytes it got
    unsigned long keys;      // key presses it echoed
    struct {
        unsigned long polls, scancodes;
        uint32_t wakes;
    } at_last_key, at_last_line;   // the counts at the previous key, and Enter
    uint32_t drops_reported;       // drops already printed
    uint64_t (*report_keys)(void); // for make bench: NULL, or the TSC of the key's interrupt
    // Called after every key press the task echoes, with its event: what a
    // key does besides being echoed (the kernel's demos hang off it). May be NULL.
    void (*on_key)(const struct key_event *ev, void *arg);
    void *on_key_arg;
};
// endregion: keyboard_task

// A task that echoes every key typed on the keyboard behind `source`. It
// opens the stream on its first poll (so once: a second keyboard task
// panics there) and never finishes. Task context.
void keyboard_task_init(struct keyboard_task *t, struct irq_stream *source);

// For `make bench`: once its stream is open the task prints "bench: ready",
// then for every key "bench: key polls=P scancodes=S wakes=W latency_tsc=L",
// L the TSC cycles from the key's interrupt (key_irq_tsc() tells when that
// was) to its echo: guest instructions under QEMU's -icount shift=0. Before
// the task is spawned.
void keyboard_task_report_keys(struct keyboard_task *t, uint64_t (*key_irq_tsc)(void));

// Have `on_key(ev, arg)` called in task context, from the keyboard task's
// poll, after each key press it echoes. Before the task is spawned.
void keyboard_task_on_key(struct keyboard_task *t,
                          void (*on_key)(const struct key_event *ev, void *arg), void *arg);

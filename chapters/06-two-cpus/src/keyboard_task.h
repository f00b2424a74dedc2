// The keyboard task: an async function that awaits each scancode from the
// keyboard's interrupt-fed stream, decodes it and echoes the key, in task
// context (kernel-base's demo decodes inside the interrupt handler instead).
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
    struct irq_stream *source; // where the scancodes come from
    struct stream *scancodes;  // the source, opened by the first poll
    struct stream_next next;   // the await in progress
    struct scancode_decoder decoder;
    uint32_t drops_reported; // drops already printed
    // Called after each key press it echoes (the demo kernels' status lines
    // and spawns hang off it). May be NULL.
    void (*on_key)(const struct key_event *ev, void *arg);
    void *on_key_arg;
};
// endregion: keyboard_task

// A task that echoes every key typed on the keyboard behind `source`, and
// calls on_key(ev, arg) (unless NULL) after each press it echoes. It opens the
// stream on its first poll (so once: a second keyboard task panics there) and
// never finishes. Task context.
void keyboard_task_init(struct keyboard_task *t, struct irq_stream *source,
                        void (*on_key)(const struct key_event *ev, void *arg), void *arg);

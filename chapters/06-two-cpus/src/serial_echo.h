// The serial echo task: the same stream over COM1's receive interrupt, to
// show that the ring and the atomic waker know nothing about keyboards.
// Typing in the terminal of `make run HEADLESS=1` arrives here.
#pragma once

#include "irq_stream.h"
#include "stream.h"

struct serial_echo {
    struct future base;
    int resume;
    struct irq_stream *source; // opened by the first poll
    struct stream *bytes;
    struct stream_next next;
    void (*on_byte)(void *arg); // called after each byte it echoes; may be NULL
    void *on_byte_arg;
};

// A task that says it is listening once its stream is open, then echoes
// every byte received on `source`: printable ASCII as it is, Enter (CR) as a
// new line, Backspace and DEL as a backspace; other bytes as <0xNN>; and
// calls on_byte(arg) (unless NULL) after each. It never finishes. Task context.
void serial_echo_init(struct serial_echo *t, struct irq_stream *source, void (*on_byte)(void *arg),
                      void *arg);

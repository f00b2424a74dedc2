// The PS/2 keyboard's IRQ 1: reads each byte from port 0x60 and hands it to a
// hook. The hook runs in interrupt context: it must not allocate, lock or
// block. A chapter replaces the hook to change what happens to keys.
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef void (*keyboard_hook)(uint8_t scancode);

// Drain the controller and install the IRQ 1 handler (with no hook yet).
void keyboard_init(void);
// Install a hook; returns the previous one. NULL drops bytes (counted).
keyboard_hook keyboard_set_hook(keyboard_hook hook);
// Bytes that arrived while no hook was installed.
uint64_t keyboard_dropped(void);

// Make the i8042 controller deliver `byte` through IRQ 1 as if a key sent
// it (controller command 0xD2). For tests and demos. The controller holds one
// byte: one injected before IRQ 1 has read the last replaces it, so a typist
// that cannot wait for the read (a timer hook) asks keyboard_output_empty.
void keyboard_inject(uint8_t byte);
// Whether the controller holds no byte that IRQ 1 has yet to read.
bool keyboard_output_empty(void);

// COM1: the serial port, at 115200 baud 8N1. Output is polled; input arrives
// through IRQ 4 and is handed to a hook, the way keyboard.h does for IRQ 1.
#pragma once

#include <stdint.h>

// Called in interrupt context with each received byte: it must not
// allocate, lock, block or print.
typedef void (*serial_hook)(uint8_t byte);

void serial_init(void);
// Polled output, any context ('\n' goes out as "\r\n").
void serial_putc(char c);

// Install a hook for received bytes, enabling COM1's receive interrupt on the
// first call; returns the previous hook. NULL drops bytes (counted). Task context.
serial_hook serial_set_receive_hook(serial_hook hook);
// Bytes received while no hook was installed.
uint64_t serial_dropped(void);

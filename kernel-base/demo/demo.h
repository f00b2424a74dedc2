// The base demo's keyboard hook, shared with its QEMU test.
#pragma once

#include <stdint.h>

// Decode one scancode byte and echo the key (interrupt context).
void demo_echo_key(uint8_t byte);

// x86 port I/O, for the kernel's device drivers. Kernel-only: portable code
// never touches a device, so host tests cannot include this.
#pragma once

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" ::"a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outl(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port));
}

// A write to an unused port takes about a microsecond: old devices need it.
static inline void io_wait(void) { outb(0x80, 0); }

// COM1 at 115200 baud, 8 data bits, no parity, one stop bit; output only.
#include <stdbool.h>

#include "console.h"
#include "cpu.h"

#define COM1           0x3F8
#define LINE_STATUS    (COM1 + 5)
#define TRANSMIT_EMPTY 0x20

void serial_init(void)
{
    outb(COM1 + 1, 0x00); // no serial interrupts
    outb(COM1 + 3, 0x80); // divisor latch on
    outb(COM1 + 0, 0x01); // divisor 1: 115200 baud
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); // 8N1, latch off
    outb(COM1 + 2, 0xC7); // FIFOs on and cleared
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    while (!(inb(LINE_STATUS) & TRANSMIT_EMPTY))
        ;
    outb(COM1, (uint8_t)c);
}

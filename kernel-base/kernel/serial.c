// COM1 at 115200 baud, 8 data bits, no parity, one stop bit. Output is
// polled; input raises IRQ 4 once a hook wants it.
#include "serial.h"

#include <stdbool.h>

#include "interrupts.h"
#include "io.h"
#include "katomic.h"

#define COM1              0x3F8
#define DATA              COM1
#define INTERRUPT_ENABLE  (COM1 + 1)
#define FIFO_CONTROL      (COM1 + 2)
#define LINE_CONTROL      (COM1 + 3)
#define MODEM_CONTROL     (COM1 + 4)
#define LINE_STATUS       (COM1 + 5)
#define DATA_READY        0x01
#define TRANSMIT_EMPTY    0x20
#define IRQ_COM1          4
#define RECEIVED_DATA_IRQ 0x01
// DTR and RTS, and OUT2: on a PC, OUT2 connects the UART's interrupt line to
// the PIC; without it IRQ 4 never fires.
#define MODEM_DTR_RTS_OUT2 0x0B

// As keyboard.c: the hook is published with release and read with acquire;
// the drop count orders nothing.
static _Atomic(serial_hook) hook;
static _Atomic uint64_t dropped;

void serial_init(void)
{
    outb(INTERRUPT_ENABLE, 0x00); // no interrupts until a hook asks
    outb(LINE_CONTROL, 0x80);     // divisor latch on
    outb(DATA, 0x01);             // divisor 1: 115200 baud
    outb(INTERRUPT_ENABLE, 0x00);
    outb(LINE_CONTROL, 0x03); // 8N1, latch off
    outb(FIFO_CONTROL, 0xC7); // FIFOs on and cleared
    outb(MODEM_CONTROL, MODEM_DTR_RTS_OUT2);
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    while (!(inb(LINE_STATUS) & TRANSMIT_EMPTY))
        ;
    outb(DATA, (uint8_t)c);
}

// A 16550 holds at most this many received bytes. Draining stops there too:
// with no chip at COM1 (most laptops) the port reads all ones, and "data
// ready" would seem set for ever.
#define FIFO_BYTES 16

// Drain the receive FIFO: one interrupt may stand for several bytes.
static void serial_irq(void)
{
    for (int i = 0; i < FIFO_BYTES && (inb(LINE_STATUS) & DATA_READY); i++) {
        uint8_t byte = inb(DATA);
        serial_hook h = katomic_load(&hook, memory_order_acquire);
        if (h)
            h(byte);
        else
            katomic_fetch_add(&dropped, 1, memory_order_relaxed);
    }
}

serial_hook serial_set_receive_hook(serial_hook new_hook)
{
    static bool irq_on; // task context only
    serial_hook old = katomic_exchange(&hook, new_hook, memory_order_acq_rel);
    if (!irq_on) {
        irq_on = true;
        for (int i = 0; i < FIFO_BYTES && (inb(LINE_STATUS) & DATA_READY); i++)
            (void)inb(DATA); // bytes typed during boot
        interrupts_set_irq_handler(IRQ_COM1, serial_irq);
        outb(INTERRUPT_ENABLE, RECEIVED_DATA_IRQ);
    }
    return old;
}

uint64_t serial_dropped(void) { return katomic_load(&dropped, memory_order_relaxed); }

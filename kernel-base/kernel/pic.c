// The 8259 PIC pair: master on ports 0x20/0x21, slave on 0xA0/0xA1, the
// slave cascaded into the master's IRQ 2.
#include "pic.h"

#include "cpu.h"
#include "io.h"

#define MASTER_CMD   0x20
#define MASTER_DATA  0x21
#define SLAVE_CMD    0xA0
#define SLAVE_DATA   0xA1
#define CMD_EOI      0x20
#define CMD_READ_ISR 0x0B

void pic_init(uint8_t base)
{
    outb(MASTER_CMD, 0x11); // ICW1: initialise, ICW4 follows
    io_wait();
    outb(SLAVE_CMD, 0x11);
    io_wait();
    outb(MASTER_DATA, base); // ICW2: vector offsets
    io_wait();
    outb(SLAVE_DATA, base + 8);
    io_wait();
    outb(MASTER_DATA, 1 << 2); // ICW3: slave on IRQ 2
    io_wait();
    outb(SLAVE_DATA, 2); // ICW3: slave's cascade identity
    io_wait();
    outb(MASTER_DATA, 0x01); // ICW4: 8086 mode
    io_wait();
    outb(SLAVE_DATA, 0x01);
    io_wait();
    outb(MASTER_DATA, 0xFF & ~(1 << 2)); // all masked but the cascade
    outb(SLAVE_DATA, 0xFF);
}

void pic_unmask(unsigned irq)
{
    uint16_t port = irq < 8 ? MASTER_DATA : SLAVE_DATA;
    outb(port, inb(port) & ~(1 << (irq % 8)));
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(SLAVE_CMD, CMD_EOI);
    outb(MASTER_CMD, CMD_EOI);
}

static uint8_t in_service(uint16_t cmd_port)
{
    outb(cmd_port, CMD_READ_ISR);
    return inb(cmd_port);
}

bool pic_is_spurious(unsigned irq)
{
    if (irq == 7)
        return !(in_service(MASTER_CMD) & 0x80);
    if (irq == 15 && !(in_service(SLAVE_CMD) & 0x80)) {
        outb(MASTER_CMD, CMD_EOI); // the master did see a real IRQ 2
        return true;
    }
    return false;
}

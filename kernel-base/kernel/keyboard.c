// PS/2 keyboard glue: IRQ 1 -> one byte from the i8042 -> the hook.
#include "keyboard.h"

#include "interrupts.h"
#include "io.h"
#include "katomic.h"

#define DATA                      0x60
#define STATUS                    0x64 // read
#define COMMAND                   0x64 // write
#define STATUS_OUTPUT_FULL        0x01
#define STATUS_INPUT_FULL         0x02
#define CMD_WRITE_KEYBOARD_OUTPUT 0xD2

// The hook is set in task context and read in the IRQ: an atomic, so the IRQ
// sees the old hook or the new one, never a torn or cached value; release and
// acquire, so the hook sees what was set up before it was installed. The drop
// count orders nothing: relaxed.
static _Atomic(keyboard_hook) hook;
static _Atomic uint64_t dropped;

static void keyboard_irq(void)
{
    uint8_t byte = inb(DATA);
    keyboard_hook h = katomic_load(&hook, memory_order_acquire);
    if (h)
        h(byte);
    else
        katomic_fetch_add(&dropped, 1, memory_order_relaxed);
}

void keyboard_init(void)
{
    // Bytes typed during boot would otherwise hold IRQ 1 back forever.
    while (inb(STATUS) & STATUS_OUTPUT_FULL)
        (void)inb(DATA);
    interrupts_set_irq_handler(IRQ_KEYBOARD, keyboard_irq);
}

keyboard_hook keyboard_set_hook(keyboard_hook new_hook)
{
    return katomic_exchange(&hook, new_hook, memory_order_acq_rel);
}

uint64_t keyboard_dropped(void) { return katomic_load(&dropped, memory_order_relaxed); }

static void wait_input_empty(void)
{
    while (inb(STATUS) & STATUS_INPUT_FULL)
        ;
}

bool keyboard_output_empty(void) { return !(inb(STATUS) & STATUS_OUTPUT_FULL); }

void keyboard_inject(uint8_t byte)
{
    wait_input_empty();
    outb(COMMAND, CMD_WRITE_KEYBOARD_OUTPUT);
    wait_input_empty();
    outb(DATA, byte);
}

// One console, two devices: kprintf output goes to COM1 and the VGA screen.
#include "console.h"

#include "cpu.h"
#include "katomic.h"
#include "kprintf.h"
#include "serial.h"

// Characters so far, so the test runner sees output. Printing may happen in
// an interrupt handler too: the screen's state is touched with interrupts
// disabled, and this count is an atomic (relaxed: it orders nothing).
static _Atomic uint64_t written;

void console_init(void)
{
    serial_init();
    vga_init();
}

void console_putc(char c)
{
    // An IRQ handler may print too; disabling interrupts for one character
    // keeps the VGA cursor and the cells it points at consistent.
    bool was_enabled = cpu_interrupts_save_disable();
    serial_putc(c);
    vga_putc(c);
    katomic_fetch_add(&written, 1, memory_order_relaxed);
    cpu_interrupts_restore(was_enabled);
}

uint64_t console_written(void) { return katomic_load(&written, memory_order_relaxed); }

void console_set_color(enum vga_color fg, enum vga_color bg)
{
    bool was_enabled = cpu_interrupts_save_disable();
    vga_set_color(fg, bg);
    cpu_interrupts_restore(was_enabled);
}

void console_status(unsigned line, const char *text)
{
    bool was_enabled = cpu_interrupts_save_disable();
    vga_set_status(line, text);
    cpu_interrupts_restore(was_enabled);
}

void console_clear(void)
{
    bool was_enabled = cpu_interrupts_save_disable();
    vga_clear();
    cpu_interrupts_restore(was_enabled);
}

static void put(char c, void *arg)
{
    (void)arg;
    console_putc(c);
}

void kstatus_at(unsigned line, const char *fmt, ...)
{
    char text[VGA_COLUMNS + 1];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    console_status(line, text);
}

int kvprintf(const char *fmt, va_list args) { return kformat(put, NULL, fmt, args); }

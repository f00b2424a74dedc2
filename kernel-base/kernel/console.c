// One console, two devices: kprintf output goes to COM1 and the VGA screen.
#include "console.h"

#include "cpu.h"
#include "kprintf.h"

static uint64_t written; // characters so far, so the test runner sees output

void console_init(void)
{
    serial_init();
    vga_init();
}

// region: console_putc
void console_putc(char c)
{
    // An IRQ handler may print too; disabling interrupts for one character
    // keeps the VGA cursor and the cells it points at consistent.
    bool was_enabled = cpu_interrupts_save_disable();
    serial_putc(c);
    vga_putc(c);
    written++;
    cpu_interrupts_restore(was_enabled);
}
// endregion: console_putc

uint64_t console_written(void) { return written; }

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        console_putc(s[i]);
}

void console_set_color(enum vga_color fg, enum vga_color bg) { vga_set_color(fg, bg); }

static void put(char c, void *arg)
{
    (void)arg;
    console_putc(c);
}

int kvprintf(const char *fmt, va_list args) { return format(put, 0, fmt, args); }

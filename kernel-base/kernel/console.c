// One console, two devices: kprintf output goes to COM1 and the VGA screen.
#include "console.h"

#include "cpu.h"
#include "katomic.h"
#include "kprintf.h"
#include "pit.h"
#include "serial.h"

// Characters so far, so the test runner sees output. Printing may happen in
// an interrupt handler too: the screen's state is touched with interrupts
// disabled, and this count is an atomic (relaxed: it orders nothing).
static _Atomic uint64_t written;

// Booted with status=serial (make run HEADLESS=1), where nobody sees the
// screen, the status lines are printed on serial too, each on a line of its
// own: only at the start of a line, so as never to split a line being typed,
// and each at most once a second. Task context only, like the status lines.
static bool status_on_serial;
static bool at_line_start = true;
static uint64_t status_printed_at[VGA_STATUS_LINES];

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
    at_line_start = c == '\n';
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

void console_set_status_on_serial(bool on) { status_on_serial = on; }

bool console_status_on_serial(void) { return status_on_serial; }

static void serial_status(unsigned line, const char *text)
{
    uint64_t now = pit_ticks();
    if (!at_line_start || line >= VGA_STATUS_LINES ||
        (status_printed_at[line] && now - status_printed_at[line] < pit_hz()))
        return;
    status_printed_at[line] = now;
    for (const char *p = "[status] "; *p; p++)
        serial_putc(*p);
    for (; *text; text++)
        serial_putc(*text);
    serial_putc('\n');
}

void console_status(unsigned line, const char *text)
{
    bool was_enabled = cpu_interrupts_save_disable();
    vga_set_status(line, text);
    if (status_on_serial && text)
        serial_status(line, text);
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

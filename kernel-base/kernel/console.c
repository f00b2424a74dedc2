// One console, two devices: kprintf output goes to COM1 and the VGA screen.
#include "console.h"

#include "cpu.h"
#include "katomic.h"
#include "kprintf.h"
#include "pit.h"
#include "serial.h"
#ifdef SMP
#include "spinlock.h"
#endif

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

// region: console_lock
#ifdef SMP
// With two CPUs, interrupts off on one does not keep the other out of the
// screen's state, and two CPUs printing at once would mix their characters:
// each change to the console, and each kprintf as a whole, holds the
// console's ticket lock, taken with interrupts off (spinlock.h).
//
// One exception: a fault inside the console (a bug, whose report is a panic)
// comes back here on the CPU that holds the lock, and waiting for itself
// would hang it without a word. So the holder re-enters, as a fault does on
// one CPU. `holder` is written only by the CPU that holds the lock, so a CPU
// that reads its own number there is the holder (it cleared the field before
// it last let go, and a CPU always sees its own latest write).
static struct spinlock lock;
static _Atomic unsigned holder; // cpu_index() + 1 of the CPU holding the lock, 0 if none
static unsigned nested;         // re-entries of the holder; under the lock

static bool console_enter(void)
{
    bool was_enabled = cpu_interrupts_save_disable();
    unsigned me = cpu_index() + 1;
    if (katomic_load(&holder, memory_order_relaxed) == me) {
        nested++;
    } else {
        spin_lock(&lock);
        katomic_store(&holder, me, memory_order_relaxed);
    }
    return was_enabled;
}

static void console_leave(bool was_enabled)
{
    if (nested) {
        nested--;
    } else {
        katomic_store(&holder, 0, memory_order_relaxed);
        spin_unlock(&lock);
    }
    cpu_interrupts_restore(was_enabled);
}
#else
// One CPU: with interrupts off, nothing else can touch the console.
static bool console_enter(void) { return cpu_interrupts_save_disable(); }
static void console_leave(bool was_enabled) { cpu_interrupts_restore(was_enabled); }
#endif
// endregion: console_lock

void console_init(void)
{
    serial_init();
    vga_init();
}

#ifndef SMP
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
#else
// With the console held.
static void put_held(char c)
{
    serial_putc(c);
    vga_putc(c);
    katomic_fetch_add(&written, 1, memory_order_relaxed);
}

void console_putc(char c)
{
    bool was_enabled = console_enter();
    put_held(c);
    console_leave(was_enabled);
}
#endif

uint64_t console_written(void) { return katomic_load(&written, memory_order_relaxed); }

void console_set_color(enum vga_color fg, enum vga_color bg)
{
    bool was_enabled = console_enter();
    vga_set_color(fg, bg);
    console_leave(was_enabled);
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
    bool was_enabled = console_enter();
    vga_set_status(line, text);
    if (status_on_serial && text)
        serial_status(line, text);
    console_leave(was_enabled);
}

void console_clear(void)
{
    bool was_enabled = console_enter();
    vga_clear();
    console_leave(was_enabled);
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

#ifndef SMP
static void put(char c, void *arg)
{
    (void)arg;
    console_putc(c);
}

int kvprintf(const char *fmt, va_list args) { return kformat(put, NULL, fmt, args); }
#else
static void put(char c, void *arg)
{
    (void)arg;
    put_held(c);
}

// region: kvprintf_smp
// The whole message under the lock: another CPU's output comes before or
// after it, never inside.
int kvprintf(const char *fmt, va_list args)
{
    bool was_enabled = console_enter();
    int n = kformat(put, NULL, fmt, args);
    console_leave(was_enabled);
    return n;
}
// endregion: kvprintf_smp
#endif

// panic: say where and why, on every console, then stop for good.
#include "panic.h"

#include "console.h"
#include "cpu.h"
#include "kprintf.h"
#include "ktest.h"

void panic_at(const char *file, int line, const char *fmt, ...)
{
    cpu_interrupts_disable();
    char message[256];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    console_set_color(VGA_WHITE, VGA_RED);
    kprintf("PANIC at %s:%d: %s\n", file, line, message);
    console_set_color(VGA_LIGHT_GREY, VGA_BLACK);
    if (ktest_running())
        ktest_panicked(message);
    for (;;)
        cpu_halt(); // interrupts are off: this sleeps forever
}

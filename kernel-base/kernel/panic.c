// panic: say where and why, on every console, then stop for good.
#include "panic.h"

#include "console.h"
#include "cpu.h"
#include "katomic.h"
#include "kprintf.h"
#include "ktest.h"

// Set in task context, read by a panic in any context.
static size_t (*_Atomic context)(char *buf, size_t size);

void panic_set_context(size_t (*describe)(char *buf, size_t size))
{
    katomic_store(&context, describe, memory_order_release);
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
    cpu_interrupts_disable();
    char message[320];
    va_list args;
    va_start(args, fmt);
    size_t len = (size_t)kvsnprintf(message, 256, fmt, args);
    va_end(args);
    size_t (*describe)(char *, size_t) = katomic_load(&context, memory_order_acquire);
    if (describe && len < 256) {
        size_t space = sizeof message - len - 3;
        size_t n = describe(message + len + 2, space);
        if (n >= space) // cut short, as ksnprintf cut it
            n = space - 1;
        if (n) { // " (what)" after the message
            message[len] = ' ';
            message[len + 1] = '(';
            message[len + 2 + n] = ')';
            message[len + 3 + n] = '\0';
        }
    }
    console_set_color(VGA_WHITE, VGA_RED);
#ifdef SMP
    // Only this CPU stops: the others run on (stopping them is left out).
    kprintf("PANIC on CPU %u at %s:%d: %s\n", cpu_index(), file, line, message);
#else
    kprintf("PANIC at %s:%d: %s\n", file, line, message);
#endif
    console_set_color(VGA_LIGHT_GREY, VGA_BLACK);
    if (ktest_running())
        ktest_panicked(message);
    for (;;)
        cpu_halt(); // interrupts are off: this sleeps forever
}

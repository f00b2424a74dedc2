// Formatted output to the console (serial and VGA in the kernel; a buffer that
// tests read on the host). Formats: %d %i %u %x %X %p %s %c %%, length
// modifiers l, ll, z, a field width (or *), and the flags '-' (left-justify),
// '0' (zero padding) and '#' (0x before hex).
// Safe to call from interrupt context: it never allocates, and locks only in
// an SMP kernel (the console's lock, with interrupts off, so that two CPUs'
// messages do not mix).
#pragma once

#include <stdarg.h>
#include <stddef.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list args);

// Status lines: each one line (cut at 80 columns) that replaces the one
// before, for figures that change all the time. In the kernel they are the
// screen's bottom rows (line 0 the last, line 1 the one above, up to 3), and
// not sent to serial; on the host, tests read the latest text of each with
// console_status_line(line).
void kstatus_at(unsigned line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define kstatus(...) kstatus_at(0, __VA_ARGS__)

// Formats into buf (always NUL-terminated when size > 0); returns the length
// the whole output would have had, as snprintf does.
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args);

// The engine under all of them: calls put(c, arg) for every output character
// and returns how many there were.
int kformat(void (*put)(char c, void *arg), void *arg, const char *fmt, va_list args);

// panic: report a bug and stop. Prints "PANIC at file:line: message" on every
// console and halts (in test mode: the test runner decides the exit code).
// On the host it prints to stderr and aborts, which fails the current test.
#pragma once

#include <stddef.h>

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

// assert-like check that stays on in release builds: kernel bugs must be loud.
#define kassert(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            panic("assertion failed: %s", #cond);                                                  \
    } while (0)

// What was going on, for panic to add to its message: `describe` writes a
// few words into buf (at most size bytes, NUL included) and returns their
// length, or 0 to add nothing. An executor says which task it was polling.
// It runs inside panic, in any context: it must not allocate, lock or panic.
void panic_set_context(size_t (*describe)(char *buf, size_t size));

__attribute__((noreturn, format(printf, 3, 4))) void panic_at(const char *file, int line,
                                                              const char *fmt, ...);

// panic: report a bug and stop. Prints "PANIC at file:line: message" on every
// console and halts (in test mode: the test runner decides the exit code).
// On the host it prints to stderr and aborts, which fails the current test.
#pragma once

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

// assert-like check that stays on in release builds: kernel bugs must be loud.
#define kassert(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            panic("assertion failed: %s", #cond);                                                  \
    } while (0)

__attribute__((noreturn, format(printf, 3, 4))) void panic_at(const char *file, int line,
                                                              const char *fmt, ...);

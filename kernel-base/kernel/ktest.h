// In-kernel tests, run when the command line says `test` (all of them) or
// `test=NAME` (one). Each prints "NAME ... ok" on the console; a failure
// panics, which ends the run. QEMU then exits through isa-debug-exit with
// KTEST_EXIT_SUCCESS or KTEST_EXIT_FAILURE (never 0: a triple fault exits 0).
//
//   KTEST(heap_reuse) { ... KTEST_ASSERT(p == q); }
//   KTEST_PANICS(null_deref, "Page Fault") { *(volatile int *)0 = 1; }
//   KTEST_ICOUNT(keys_wake_at_once) { ... }
//
// A KTEST_PANICS test passes only if it panics with a message containing the
// given text. Such a test cannot return to the runner, so `test` only lists
// them (the line "ktest: panic tests: a b") and the driver boots each alone.
// A KTEST_ICOUNT test's verdict depends on timing (ticks against the work
// done between them): `test` lists it too ("ktest: icount tests: ...") and
// the driver boots it alone under QEMU's -icount shift=0,sleep=off, where
// guest time follows the instructions executed, so the host's speed cannot
// change the outcome.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "panic.h"

struct ktest {
    const char *name;
    void (*run)(void);
    const char *expected_panic; // NULL for a test that must return
    bool icount;                // needs a deterministic clock (KTEST_ICOUNT)
};

#define KTEST_EXIT_SUCCESS 0x10 // QEMU exits with (0x10 << 1) | 1 = 33
#define KTEST_EXIT_FAILURE 0x11 // 35

#define KTEST_DEFINE(test_name, expected, needs_icount)                                            \
    static void ktest_##test_name(void);                                                           \
    static const struct ktest ktest_entry_##test_name                                              \
        __attribute__((used, section("ktests"), aligned(8))) = {#test_name, ktest_##test_name,     \
                                                                expected, needs_icount};           \
    static void ktest_##test_name(void)

#define KTEST(name)                 KTEST_DEFINE(name, 0, false)
#define KTEST_PANICS(name, message) KTEST_DEFINE(name, message, false)
#define KTEST_ICOUNT(name)          KTEST_DEFINE(name, 0, true)

#define KTEST_ASSERT(cond)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            panic("test assertion failed: %s", #cond);                                             \
    } while (0)

#define KTEST_ASSERT_EQ(actual, expected)                                                          \
    do {                                                                                           \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                            \
        if (a_ != e_)                                                                              \
            panic("test assertion failed: %s == %s (got %lld, expected %lld)", #actual, #expected, \
                  a_, e_);                                                                         \
    } while (0)

// Runs the tests the command line selects, then exits QEMU. `name` is "" for
// all tests that return, or one test's name.
__attribute__((noreturn)) void ktest_main(const char *name);

// True in test mode. panic_at calls ktest_panicked, which decides
// whether the panic was the expected outcome and exits QEMU.
bool ktest_running(void);
__attribute__((noreturn)) void ktest_panicked(const char *message);

// Leave QEMU through isa-debug-exit (halts forever without that device).
__attribute__((noreturn)) void ktest_qemu_exit(unsigned code);

// Sleep until done(arg) is true or max_ticks timer ticks have passed; true if
// done. Race-free: an interrupt that makes done() true is never slept through.
// Task context, interrupts enabled.
bool ktest_wait_until(bool (*done)(void *arg), void *arg, uint64_t max_ticks);

// Whether `text` is on the VGA screen, within one row. For tests of what a
// kernel shows.
bool ktest_screen_contains(const char *text);

// Type `bytes` on the PS/2 keyboard (keyboard_inject), each one waiting for
// its own IRQ 1, since the controller holds one byte at a time. Panics if a
// byte raises no interrupt. Task context.
void ktest_type(const uint8_t *bytes, unsigned n);

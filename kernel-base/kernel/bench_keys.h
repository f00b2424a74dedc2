// make bench's keys. Booted with `bench` on its command line, a chapter's
// kernel types its own keys, from the timer interrupt, and notes when each
// went down, so that its keyboard task can report what each key cost
// (tools/bench.py reads the reports). Keys typed at ticks of the guest's
// clock come at the same guest instruction in every run under make bench's
// -icount, so each run measures the same keys. Kernel only.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "keyboard.h"
#include "pit.h"

// `a` goes down every BENCH_KEYS_TICKS ticks and comes up halfway between.
#define BENCH_KEYS_TICKS 4

// Whether the kernel was booted with `bench`. Task context.
bool bench_keys_booted(void);

// The keyboard hook to install instead of `inner` (once: there is one
// inner): it notes when a key went down (a make code), then calls `inner`
// with the byte. Task context; the hook it returns runs in the IRQ.
keyboard_hook bench_keys_timed(keyboard_hook inner);

// The TSC when the last key went down. Any context.
uint64_t bench_keys_last_press(void);

// Start typing. `tick` (NULL: none) is the timer hook the kernel had: it
// still runs at every tick, before the typing. Task context.
void bench_keys_start(pit_hook tick);

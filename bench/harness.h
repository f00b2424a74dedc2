// The timing harness of `make bench`, shared by every C figure (bench/rust
// follows the same rules, so the two sides can be compared as ratios):
// each figure is calibrated to about 25 ms per repetition, run once to warm
// up, then timed 11 times; the median is the figure, min and max show the
// noise. stdout gets one line per figure, `name<TAB>ns_per_op<TAB>cli and
// sti per op`; stderr the details.
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct bench_figure {
    const char *name;
    // Does `iterations` iterations of the workload. The harness times the
    // whole call, so setup that is not part of the workload goes elsewhere.
    void (*run)(uint64_t iterations);
    // Operations in one iteration: 1 unless an iteration is a batch (e.g. 100
    // spawned tasks, or 1000 yields), so that the figure is ns per operation.
    unsigned ops_per_iteration;
};

// Runs the figures whose names contain one of the arguments (all of them
// without arguments) and prints their lines. BENCH_QUICK=1 in the environment
// calibrates to 5 ms instead, for a smoke run whose numbers are not kept;
// BENCH_ITERATIONS=N runs each figure N iterations once and prints no
// figure, for a profiler (stderr says how many ops an iteration is).
// Returns the process's exit status.
int bench_main(int argc, char **argv, const struct bench_figure *figures, unsigned count);

// cli and sti executed so far (bench/cpu.c counts them: they cannot run in
// ring 3), while bench_counting is set. The harness sets it for one run of
// its own after the timed ones, and reports them per operation.
extern unsigned long bench_cli_count, bench_sti_count;
extern _Atomic bool bench_counting; // atomic: spawn2's CPU threads read it

// Makes the compiler believe that v is used, so it cannot delete the work
// that computed it (an empty asm with v as input; it costs no instruction).
#define BENCH_KEEP(v) __asm__ volatile("" : : "r"(v) : "memory")

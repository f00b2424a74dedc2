// The kernel tests' second CPU. CPU 0 runs the tests; CPU 1, started once
// by the first test that asks, waits for a job, and the job is always the
// same: run rounds of an executor and sleep between them (its real idle
// loop, or the naive twin the executor was set to), until told to stop.
#pragma once

#include "executor.h"

// Start CPU 1 if it is not running yet, with the IPI handler the kernel's
// main installs (it counts). Panics unless QEMU booted two CPUs.
void two_cpus_start(void);

// CPU 1 runs `ex` from now on, until two_cpus_stop. Task context, CPU 0.
void two_cpus_run(struct executor *ex);

// CPU 1 stops at its next wake-up (an IPI is sent for it) and is back to
// waiting for a job when this returns. Task context, CPU 0.
void two_cpus_stop(void);

// CPU 0 computes with interrupts enabled until the timer reaches `tick`,
// never halting and never running the executor: a busy CPU, whose
// interrupt handlers still run (and wake tasks).
void two_cpus_busy_until(uint64_t tick);

// The idle loop this kernel's tests use: the race-free one, or in the naive
// kernel (make IDLE=naive) the twin its command line names (idle_bug=NAME;
// noflag if none), whose name goes to *name.
enum executor_idle two_cpus_idle(const char **name);

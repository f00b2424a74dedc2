// Trace hooks, in the spirit of embassy-executor's trace feature: the runtime
// calls them at its events, and a trace layer (trace.c) turns the events into
// the figures the demo kernel shows and make bench reads: polls per key,
// wakes, per CPU its polls, steals, IPIs and idle share, lost wakeups and how
// long each one slept, how long woken tasks wait. The lesson files only call
// them. Built with TRACE (the kernels and the host tests) they reach trace.c;
// built without it (the benchmarks) they are empty and compile to nothing.
#pragma once

#include <stdint.h>

#include "executor.h"

#include "stream.h"

#ifdef TRACE
// A stream took an item (interrupt context), or was polled (task context).
void trace_stream_push(const struct stream *s);
void trace_stream_polled(const struct stream *s, enum stream_poll result);
// The executor's events. A wake: any context. The others: task context.
void trace_wake(const struct executor *ex, struct task_id id);
void trace_poll_begin(const struct executor *ex, struct task_id id);
void trace_poll_end(const struct executor *ex, struct task_id id);
void trace_task_end(const struct executor *ex, uint32_t slot); // before its drop runs
// This CPU took a task from CPU `victim`'s deque.
void trace_steal(const struct executor *ex, unsigned victim);
// A push another CPU could take: before the waker looks at the other CPUs'
// flags, and after it has called those it found asleep (any context). A
// wake from an interrupt handler that leaves another CPU asleep, not called,
// while its own CPU is busy, is a wakeup lost.
void trace_notify_begin(const struct executor *ex);
void trace_notify_end(const struct executor *ex);
// The waker decided to interrupt CPU `cpu` (just before the IPI).
void trace_ipi_send(const struct executor *ex, unsigned cpu);
// The CPU is about to halt (interrupts disabled, after its last look), and
// it woke up.
void trace_idle_begin(const struct executor *ex);
void trace_idle_end(const struct executor *ex);
#else
static inline void trace_stream_push(const struct stream *s) { (void)s; }
static inline void trace_stream_polled(const struct stream *s, enum stream_poll result)
{
    (void)s, (void)result;
}
static inline void trace_wake(const struct executor *ex, struct task_id id) { (void)ex, (void)id; }
static inline void trace_poll_begin(const struct executor *ex, struct task_id id)
{
    (void)ex, (void)id;
}
static inline void trace_poll_end(const struct executor *ex, struct task_id id)
{
    (void)ex, (void)id;
}
static inline void trace_task_end(const struct executor *ex, uint32_t slot)
{
    (void)ex, (void)slot;
}
static inline void trace_steal(const struct executor *ex, unsigned victim)
{
    (void)ex, (void)victim;
}
static inline void trace_notify_begin(const struct executor *ex) { (void)ex; }
static inline void trace_notify_end(const struct executor *ex) { (void)ex; }
static inline void trace_ipi_send(const struct executor *ex, unsigned cpu) { (void)ex, (void)cpu; }
static inline void trace_idle_begin(const struct executor *ex) { (void)ex; }
static inline void trace_idle_end(const struct executor *ex) { (void)ex; }
#endif

// The trace layer's side, for the demo kernel (TRACE builds).

// The IPI handler of the kernel calls this (interrupt context): an IPI
// reached this CPU.
void trace_ipi_received(void);

// Which stream's polls and items to count, and the name of the task that
// reads it: the keyboard's, or serial's when nobody sees the screen. A task that
// awaits a stream ends each of its polls with a pending poll of the stream:
// the polls of the task since the last key are the pending polls since then.
void trace_watch_stream(const struct stream *s, const char *task_name);

// After each key the keyboard task echoes: what the key cost, on the status
// line; and, once trace_bench_keys() was called, on a line of its own for
// make bench: "bench: key polls=P scancodes=S latency_tsc=L cpu=C", L the TSC
// cycles from the key's interrupt (last_press() tells when) to now, C the
// CPU the keyboard task ran on. Task context.
void trace_key_report(void);
void trace_bench_keys(uint64_t (*last_press)(void));

// The watched stream since boot: items it took, and its pending polls.
struct trace_stream_counts {
    unsigned long items, pending_polls;
};
struct trace_stream_counts trace_stream_counts(void);

// What the executor did since boot, on all CPUs.
struct trace_executor_counts {
    unsigned long polls, wakes, stale_wakes, ended;
};
struct trace_executor_counts trace_executor_counts(void);

// What one CPU did since boot: polls, tasks it stole, IPIs it sent and
// received, halts and TSC cycles halted, wakeups lost while it slept (a
// wake left it asleep, not called) and the longest of those sleeps.
struct trace_cpu_counts {
    unsigned long polls, steals, ipis_sent, ipis_received, halts, lost_wakeups;
    uint64_t halted_tsc, lost_max_tsc;
};
struct trace_cpu_counts trace_cpu_counts(unsigned cpu);

// The same summed over the CPUs, with the wakes from interrupt handlers
// measured up to their task's poll and the longest such wait in TSC cycles
// (since the last reset).
struct trace_idle_counts {
    unsigned long halts, lost_wakeups, irq_wakes;
    uint64_t halted_tsc, wait_max_tsc, lost_max_tsc;
};
struct trace_idle_counts trace_idle_counts(void);
void trace_wait_max_reset(void);

// How long each lost wakeup left its CPU asleep, in TSC cycles: the first
// `max` since boot into out[]; returns how many there are.
unsigned trace_lost_latencies(uint64_t *out, unsigned max);

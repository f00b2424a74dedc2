// Trace hooks, in the spirit of embassy-executor's trace feature: the runtime
// calls them at its events, and a trace layer (trace.c) turns the events into
// the figures the demo kernel shows and make bench reads, such as how often
// the keyboard task was polled for a key. The lesson files only call them.
// Built with TRACE (the kernels and the host tests) they reach trace.c; built
// without it (the benchmarks) they are empty and compile to nothing.
#pragma once

#include <stdint.h>

#include "stream.h"

// region: trace_hooks
#ifdef TRACE
// A stream took an item (interrupt context), or was polled (task context).
void trace_stream_push(const struct stream *s);
void trace_stream_polled(const struct stream *s, enum stream_poll result);
#else
static inline void trace_stream_push(const struct stream *s) { (void)s; }
static inline void trace_stream_polled(const struct stream *s, enum stream_poll result)
{
    (void)s, (void)result;
}
#endif
// endregion: trace_hooks

// The trace layer's side, for the demo kernel (TRACE builds). Task context.

// Which stream's polls and items to count, and the name of the task that
// reads it: the keyboard's, or serial's when nobody sees the screen. A task that
// awaits a stream ends each of its polls with a pending poll of the stream:
// the polls of the task since the last key are the pending polls since then.
void trace_watch_stream(const struct stream *s, const char *task_name);

// After each key the keyboard task echoes: what the key cost, on the status
// line; and, once trace_bench_keys() was called, on a line of its own for
// make bench: "bench: key polls=P scancodes=S latency_tsc=L", L the TSC
// cycles from the key's interrupt (last_press() tells when) to now.
void trace_key_report(void);
void trace_bench_keys(uint64_t (*last_press)(void));

// The watched stream since boot: items it took, and its pending polls.
struct trace_stream_counts {
    unsigned long items, pending_polls;
};
struct trace_stream_counts trace_stream_counts(void);

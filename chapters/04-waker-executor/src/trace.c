// The trace layer of trace.h: counts what the runtime reports and makes the
// status lines of the demo kernel and the key lines of make bench from it.
// Counters bumped in interrupt handlers are atomics; the others belong to
// task context.
#include "trace.h"

#include <stdatomic.h>

#include "cpu.h"
#include "kprintf.h"

static const struct stream *_Atomic watched;
static const char *watched_name = "keyboard task";
static unsigned long stream_polls;               // of the watched stream
static _Atomic uint32_t scancodes;               // bytes the watched stream took
static _Atomic unsigned long wakes, stale_wakes; // any context
static unsigned long polls, ended;
static struct {
    unsigned long polls, keys;
    uint32_t scancodes;
} at_last_key;
static uint64_t (*bench_last_press)(void);

void trace_stream_push(const struct stream *s)
{
    if (s == atomic_load_explicit(&watched, memory_order_relaxed))
        atomic_fetch_add_explicit(&scancodes, 1, memory_order_relaxed);
}

void trace_stream_polled(const struct stream *s, enum stream_poll result)
{
    if (result == STREAM_PENDING && s == atomic_load_explicit(&watched, memory_order_relaxed))
        stream_polls++;
}

void trace_wake(const struct executor *ex, struct task_id id)
{
    atomic_fetch_add_explicit(&wakes, 1, memory_order_relaxed);
    if (atomic_load_explicit(&ex->slots[id.slot].generation, memory_order_relaxed) != id.generation)
        atomic_fetch_add_explicit(&stale_wakes, 1, memory_order_relaxed);
}

void trace_poll_begin(const struct executor *ex, struct task_id id)
{
    (void)ex, (void)id;
    polls++;
}

void trace_poll_end(const struct executor *ex, struct task_id id) { (void)ex, (void)id; }

void trace_task_end(const struct executor *ex, uint32_t slot)
{
    (void)ex, (void)slot;
    ended++;
}

struct trace_executor_counts trace_executor_counts(void)
{
    return (struct trace_executor_counts){
        .polls = polls,
        .wakes = atomic_load_explicit(&wakes, memory_order_relaxed),
        .stale_wakes = atomic_load_explicit(&stale_wakes, memory_order_relaxed),
        .ended = ended,
    };
}

struct trace_stream_counts trace_stream_counts(void)
{
    return (struct trace_stream_counts){
        .items = atomic_load_explicit(&scancodes, memory_order_relaxed),
        .pending_polls = stream_polls,
    };
}

void trace_watch_stream(const struct stream *s, const char *task_name)
{
    watched_name = task_name;
    atomic_store_explicit(&watched, s, memory_order_relaxed);
}

void trace_bench_keys(uint64_t (*last_press)(void)) { bench_last_press = last_press; }

void trace_key_report(void)
{
    uint32_t bytes = atomic_load_explicit(&scancodes, memory_order_relaxed);
    unsigned long key_polls = stream_polls - at_last_key.polls;
    unsigned key_bytes = bytes - at_last_key.scancodes;
    at_last_key.keys++;
    if (bench_last_press)
        kprintf("bench: key polls=%lu scancodes=%u latency_tsc=%llu\n", key_polls, key_bytes,
                (unsigned long long)(cpu_rdtsc() - bench_last_press()));
    kstatus("%s: %lu polls for the last key (%u scancodes); %lu keys", watched_name, key_polls,
            key_bytes, at_last_key.keys);
    at_last_key.polls = stream_polls;
    at_last_key.scancodes = bytes;
}

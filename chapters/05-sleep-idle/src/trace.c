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
// Wakes from interrupt handlers: when the first one since the task's last
// poll came (0: none), by slot. Written by the wake (interrupt context) and
// cleared by the poll or the end of the task (task context).
static _Atomic uint64_t irq_woken_at[EXECUTOR_MAX_TASKS];
static struct trace_idle_counts idle;
static uint64_t idle_since;
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
    else if (cpu_in_interrupt()) {
        uint64_t none = 0;
        atomic_compare_exchange_strong(&irq_woken_at[id.slot], &none, cpu_rdtsc());
    }
}

void trace_poll_begin(const struct executor *ex, struct task_id id)
{
    (void)ex;
    polls++;
    uint64_t woken = atomic_exchange(&irq_woken_at[id.slot], 0);
    if (woken) {
        uint64_t wait = cpu_rdtsc() - woken;
        idle.irq_wakes++;
        if (wait > idle.wait_max_tsc)
            idle.wait_max_tsc = wait;
    }
}

void trace_poll_end(const struct executor *ex, struct task_id id) { (void)ex, (void)id; }

void trace_task_end(const struct executor *ex, uint32_t slot)
{
    (void)ex;
    ended++;
    atomic_store(&irq_woken_at[slot], 0); // a wake of this task is not the next one's
}

void trace_idle_begin(const struct executor *ex)
{
    // Plain loads, not katomic's: the trace layer adds no interrupt points.
    uint32_t head = atomic_load_explicit(&ex->ready.head, memory_order_relaxed);
    idle.halts++;
    if (atomic_load_explicit(&ex->ready.tail, memory_order_relaxed) != head)
        idle.lost_wakeups++; // halting with a task ready: it waits for some later interrupt
    idle_since = cpu_rdtsc();
}

void trace_idle_end(const struct executor *ex)
{
    (void)ex;
    idle.halted_tsc += cpu_rdtsc() - idle_since;
}

struct trace_idle_counts trace_idle_counts(void) { return idle; }

void trace_wait_max_reset(void) { idle.wait_max_tsc = 0; }

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

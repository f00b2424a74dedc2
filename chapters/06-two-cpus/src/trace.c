// The trace layer of trace.h: counts what the runtime reports and makes the
// figures of the demo kernel's status lines and of make bench from it. Two
// CPUs report at once, and interrupt handlers too: every counter is an
// atomic (plain C11 ones, not katomic's: the trace layer adds no interrupt
// points), and per-CPU ones are indexed by cpu_index().
#include "trace.h"

#include <stdatomic.h>

#include "cpu.h"
#include "kprintf.h"

#define RELAXED        memory_order_relaxed
#define COUNT(counter) atomic_fetch_add_explicit(&(counter), 1, RELAXED)

static const struct stream *_Atomic watched;
static const char *watched_name = "keyboard task";
static _Atomic unsigned long stream_polls; // of the watched stream
static _Atomic uint32_t scancodes;         // bytes the watched stream took
static _Atomic unsigned long wakes, stale_wakes, ended;

static struct {
    _Atomic unsigned long polls, steals, ipis_sent, ipis_received, halts, lost_wakeups;
    _Atomic unsigned long irq_wakes;
    _Atomic uint64_t halted_tsc, wait_max_tsc, lost_max_tsc;
    _Atomic uint64_t halt_epoch;   // odd from idle_begin to idle_end: halted
    _Atomic uint64_t idle_since;   // TSC at idle_begin
    _Atomic uint64_t lost_since;   // TSC of the first lost wake of this halt (0: none)
    _Atomic unsigned long ipis_to; // IPIs decided for this CPU, by any CPU
    // What trace_notify_begin saw of every CPU, for the notify under way on
    // this CPU: one in task context, one in an interrupt handler (they nest).
    struct {
        uint64_t epoch[CPUS_MAX];
        unsigned long ipis_to[CPUS_MAX];
    } notify[2];
} cpus[CPUS_MAX];

// Wakes from interrupt handlers: when the first one since the task's last
// poll came (0: none), by slot. Written by the wake (interrupt context, any
// CPU) and cleared by the poll or the end of the task (task context).
static _Atomic uint64_t irq_woken_at[EXECUTOR_MAX_TASKS];

#define LOST_KEPT 16
static _Atomic uint64_t lost_latencies[LOST_KEPT];
static _Atomic unsigned lost_count;

static struct {
    unsigned long polls, keys;
    uint32_t scancodes;
} at_last_key; // the keyboard task's: one CPU at a time
static uint64_t (*bench_last_press)(void);

static void keep_max(_Atomic uint64_t *max, uint64_t value)
{
    uint64_t old = atomic_load_explicit(max, RELAXED);
    while (value > old &&
           !atomic_compare_exchange_weak_explicit(max, &old, value, RELAXED, RELAXED))
        ;
}

void trace_stream_push(const struct stream *s)
{
    if (s == atomic_load_explicit(&watched, RELAXED))
        COUNT(scancodes);
}

void trace_stream_polled(const struct stream *s, enum stream_poll result)
{
    if (result == STREAM_PENDING && s == atomic_load_explicit(&watched, RELAXED))
        COUNT(stream_polls);
}

void trace_wake(const struct executor *ex, struct task_id id)
{
    COUNT(wakes);
    if (atomic_load_explicit(&ex->slots[id.slot].generation, RELAXED) != id.generation)
        COUNT(stale_wakes);
    else if (cpu_in_interrupt()) {
        uint64_t none = 0;
        atomic_compare_exchange_strong(&irq_woken_at[id.slot], &none, cpu_rdtsc());
    }
}

void trace_poll_begin(const struct executor *ex, struct task_id id)
{
    (void)ex;
    unsigned me = cpu_index();
    COUNT(cpus[me].polls);
    uint64_t woken = atomic_exchange(&irq_woken_at[id.slot], 0);
    if (woken) {
        COUNT(cpus[me].irq_wakes);
        keep_max(&cpus[me].wait_max_tsc, cpu_rdtsc() - woken);
    }
}

void trace_poll_end(const struct executor *ex, struct task_id id) { (void)ex, (void)id; }

void trace_task_end(const struct executor *ex, uint32_t slot)
{
    (void)ex;
    COUNT(ended);
    atomic_store(&irq_woken_at[slot], 0); // a wake of this task is not the next one's
}

void trace_steal(const struct executor *ex, unsigned victim)
{
    (void)ex, (void)victim;
    COUNT(cpus[cpu_index()].steals);
}

void trace_ipi_send(const struct executor *ex, unsigned cpu)
{
    (void)ex;
    COUNT(cpus[cpu_index()].ipis_sent);
    atomic_fetch_add(&cpus[cpu].ipis_to, 1); // seq_cst: read after it by trace_notify_end
}

void trace_ipi_received(void) { COUNT(cpus[cpu_index()].ipis_received); }

// region: lost_wakeup
// A lost wakeup, on several CPUs: an interrupt handler queues a task while
// its own CPU is busy (not in its hlt: then that CPU looks when the handler
// returns), and another CPU that was halted when the push was done stays in
// that same halt without an IPI decided for it. Nobody is going to take the
// task until that CPU's next timer tick, or the busy CPU's next round. The
// race-free protocol never does this: a CPU halted at the push had
// announced itself before its last look, so the waker's read after its
// fence finds the flag and decides an IPI (sleep_if_idle's argument), and
// the count is decided here, by the waker, not by when the IPI lands.
void trace_notify_begin(const struct executor *ex)
{
    unsigned me = cpu_index(), nest = cpu_in_interrupt();
    for (unsigned cpu = 0; cpu < ex->cpu_count; cpu++) {
        cpus[me].notify[nest].epoch[cpu] = atomic_load(&cpus[cpu].halt_epoch);
        cpus[me].notify[nest].ipis_to[cpu] = atomic_load(&cpus[cpu].ipis_to);
    }
}

void trace_notify_end(const struct executor *ex)
{
    unsigned me = cpu_index();
    if (!cpu_in_interrupt() || atomic_load(&cpus[me].halt_epoch) % 2 ||
        atomic_load_explicit(&ex->cpus[me].sleeping, RELAXED))
        return; // this CPU is awake in task context, or looks when the handler returns
    for (unsigned cpu = 0; cpu < ex->cpu_count; cpu++) {
        uint64_t epoch = cpus[me].notify[1].epoch[cpu];
        if (cpu == me || epoch % 2 == 0 || atomic_load(&cpus[cpu].halt_epoch) != epoch ||
            atomic_load(&cpus[cpu].ipis_to) != cpus[me].notify[1].ipis_to[cpu])
            continue;
        COUNT(cpus[cpu].lost_wakeups);
        uint64_t none = 0;
        atomic_compare_exchange_strong(&cpus[cpu].lost_since, &none, cpu_rdtsc());
    }
}
// endregion: lost_wakeup

void trace_idle_begin(const struct executor *ex)
{
    (void)ex;
    unsigned me = cpu_index();
    COUNT(cpus[me].halts);
    atomic_store_explicit(&cpus[me].idle_since, cpu_rdtsc(), RELAXED);
    atomic_fetch_add(&cpus[me].halt_epoch, 1); // odd: halted
}

void trace_idle_end(const struct executor *ex)
{
    (void)ex;
    unsigned me = cpu_index();
    atomic_fetch_add(&cpus[me].halt_epoch, 1); // even: awake
    uint64_t now = cpu_rdtsc();
    atomic_fetch_add_explicit(&cpus[me].halted_tsc,
                              now - atomic_load_explicit(&cpus[me].idle_since, RELAXED), RELAXED);
    uint64_t lost = atomic_exchange(&cpus[me].lost_since, 0);
    if (lost) { // this halt slept through a wake: how long past it
        keep_max(&cpus[me].lost_max_tsc, now - lost);
        unsigned n = atomic_fetch_add(&lost_count, 1);
        if (n < LOST_KEPT)
            atomic_store_explicit(&lost_latencies[n], now - lost, RELAXED);
    }
}

struct trace_cpu_counts trace_cpu_counts(unsigned cpu)
{
    return (struct trace_cpu_counts){
        .polls = atomic_load_explicit(&cpus[cpu].polls, RELAXED),
        .steals = atomic_load_explicit(&cpus[cpu].steals, RELAXED),
        .ipis_sent = atomic_load_explicit(&cpus[cpu].ipis_sent, RELAXED),
        .ipis_received = atomic_load_explicit(&cpus[cpu].ipis_received, RELAXED),
        .halts = atomic_load_explicit(&cpus[cpu].halts, RELAXED),
        .lost_wakeups = atomic_load_explicit(&cpus[cpu].lost_wakeups, RELAXED),
        .halted_tsc = atomic_load_explicit(&cpus[cpu].halted_tsc, RELAXED),
        .lost_max_tsc = atomic_load_explicit(&cpus[cpu].lost_max_tsc, RELAXED),
    };
}

struct trace_idle_counts trace_idle_counts(void)
{
    struct trace_idle_counts sum = {0};
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++) {
        struct trace_cpu_counts c = trace_cpu_counts(cpu);
        sum.halts += c.halts;
        sum.lost_wakeups += c.lost_wakeups;
        sum.halted_tsc += c.halted_tsc;
        sum.irq_wakes += atomic_load_explicit(&cpus[cpu].irq_wakes, RELAXED);
        uint64_t wait = atomic_load_explicit(&cpus[cpu].wait_max_tsc, RELAXED);
        sum.wait_max_tsc = wait > sum.wait_max_tsc ? wait : sum.wait_max_tsc;
        sum.lost_max_tsc = c.lost_max_tsc > sum.lost_max_tsc ? c.lost_max_tsc : sum.lost_max_tsc;
    }
    return sum;
}

void trace_wait_max_reset(void)
{
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
        atomic_store_explicit(&cpus[cpu].wait_max_tsc, 0, RELAXED);
}

unsigned trace_lost_latencies(uint64_t *out, unsigned max)
{
    unsigned n = atomic_load(&lost_count);
    for (unsigned i = 0; i < n && i < max && i < LOST_KEPT; i++)
        out[i] = atomic_load_explicit(&lost_latencies[i], RELAXED);
    return n;
}

struct trace_executor_counts trace_executor_counts(void)
{
    unsigned long polls = 0;
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
        polls += atomic_load_explicit(&cpus[cpu].polls, RELAXED);
    return (struct trace_executor_counts){
        .polls = polls,
        .wakes = atomic_load_explicit(&wakes, RELAXED),
        .stale_wakes = atomic_load_explicit(&stale_wakes, RELAXED),
        .ended = atomic_load_explicit(&ended, RELAXED),
    };
}

struct trace_stream_counts trace_stream_counts(void)
{
    return (struct trace_stream_counts){
        .items = atomic_load_explicit(&scancodes, RELAXED),
        .pending_polls = atomic_load_explicit(&stream_polls, RELAXED),
    };
}

void trace_watch_stream(const struct stream *s, const char *task_name)
{
    watched_name = task_name;
    atomic_store_explicit(&watched, s, RELAXED);
}

void trace_bench_keys(uint64_t (*last_press)(void)) { bench_last_press = last_press; }

void trace_key_report(void)
{
    uint32_t bytes = atomic_load_explicit(&scancodes, RELAXED);
    unsigned long polls = atomic_load_explicit(&stream_polls, RELAXED);
    unsigned long key_polls = polls - at_last_key.polls;
    unsigned key_bytes = bytes - at_last_key.scancodes;
    at_last_key.keys++;
    if (bench_last_press)
        kprintf("bench: key polls=%lu scancodes=%u latency_tsc=%llu cpu=%u\n", key_polls, key_bytes,
                (unsigned long long)(cpu_rdtsc() - bench_last_press()), cpu_index());
    kstatus("%s: %lu polls for the last key (%u scancodes), on CPU %u; %lu keys", watched_name,
            key_polls, key_bytes, cpu_index(), at_last_key.keys);
    at_last_key.polls = polls;
    at_last_key.scancodes = bytes;
}

// The CPU interface of cpu.h for the two-CPU figures (bench/spawn2.c): each
// CPU is a host thread that says which one it is (two_cpus_set_cpu), as
// tests/tsan/cpu_threads.c plays them, but without what makes that one a
// stress test: its interrupt points yield, and its interrupts-off flag is a
// mutex. Here an interrupt point is empty, as in the kernel; cli and sti
// are counted, not timed (bench/cpu.c says why), each CPU in its own
// counter; hlt is a futex wait until an IPI (two_cpus_ipi) is pending, and
// an IPI that comes first ends the next hlt at once (the sti shadow). No
// interrupt handler ever runs on CPUs 0 and 1 here: the figures interrupt a
// third CPU, which runs no executor (two_cpus_interrupt).
#include "two_cpus.h"

#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cpu.h"
#include "harness.h"
#include "panic.h"

static _Thread_local unsigned this_cpu;
static _Thread_local bool enabled = true, in_interrupt;
// Written by their own CPU only, with a plain add: no lock prefix.
static _Atomic unsigned long cli_count[CPUS_MAX], sti_count[CPUS_MAX];
unsigned long bench_cli_count, bench_sti_count;
_Atomic bool bench_counting;
// Per CPU: 0 nothing pending, 1 an IPI pending, 2 halted in the futex.
static _Atomic uint32_t wake_word[CPUS_MAX];

static void count(_Atomic unsigned long *c)
{
    if (atomic_load_explicit(&bench_counting, memory_order_relaxed))
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                              memory_order_relaxed);
}

void two_cpus_set_cpu(unsigned cpu) { this_cpu = cpu; }
unsigned cpu_index(void) { return this_cpu; }
void cpu_interrupt_point(void) {}
void cpu_interrupts_enable(void)
{
    enabled = true;
    count(&sti_count[this_cpu]);
}
void cpu_interrupts_disable(void)
{
    enabled = false;
    count(&cli_count[this_cpu]);
}
bool cpu_interrupts_enabled(void)
{
    uint64_t flags; // the pushfq the kernel pays
    __asm__ volatile("pushfq; popq %0" : "=r"(flags)::"memory");
    (void)flags;
    return enabled;
}
bool cpu_in_interrupt(void) { return in_interrupt; }
void cpu_halt(void) { panic("two_cpus: cpu_halt with interrupts off would sleep forever"); }
uint64_t cpu_rdtsc(void) { return __builtin_ia32_rdtsc(); }

static long futex(_Atomic uint32_t *word, int op, uint32_t value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

// sti; hlt: returns at once if an IPI is pending, or sleeps until one comes.
void cpu_enable_and_halt(void)
{
    _Atomic uint32_t *w = &wake_word[this_cpu];
    cpu_interrupts_enable();
    for (;;) {
        if (atomic_exchange_explicit(w, 0, memory_order_acquire) == 1)
            return;
        uint32_t idle = 0;
        if (atomic_compare_exchange_strong_explicit(w, &idle, 2, memory_order_acquire,
                                                    memory_order_acquire))
            futex(w, FUTEX_WAIT_PRIVATE, 2);
    }
}

void two_cpus_ipi(unsigned cpu)
{
    if (atomic_exchange_explicit(&wake_word[cpu], 1, memory_order_release) == 2)
        futex(&wake_word[cpu], FUTEX_WAKE_PRIVATE, 1);
}

void two_cpus_interrupt(unsigned cpu, void (*handler)(void *arg), void *arg)
{
    unsigned mine = this_cpu;
    this_cpu = cpu;
    in_interrupt = true;
    handler(arg);
    in_interrupt = false;
    this_cpu = mine;
}

void two_cpus_sync_counts(void)
{
    unsigned long cli = 0, sti = 0;
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++) {
        cli += atomic_load_explicit(&cli_count[cpu], memory_order_relaxed);
        sti += atomic_load_explicit(&sti_count[cpu], memory_order_relaxed);
    }
    bench_cli_count = cli;
    bench_sti_count = sti;
}

void two_cpus_wait(_Atomic uint32_t *word)
{
    while (!atomic_load_explicit(word, memory_order_acquire))
        futex(word, FUTEX_WAIT_PRIVATE, 0);
}

void two_cpus_signal(_Atomic uint32_t *word)
{
    atomic_store_explicit(word, 1, memory_order_release);
    futex(word, FUTEX_WAKE_PRIVATE, 1);
}

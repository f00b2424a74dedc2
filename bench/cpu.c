// The CPU interface of cpu.h for the benchmarks, linked instead of the host
// tests' simulated CPU (kernel-base/host/simcpu.c). A benchmark times the
// kernel's code path, and in the kernel an interrupt point is empty: here it
// is too, so with link-time optimisation every katomic access costs what the
// atomic itself costs, not a call into the simulator and its counter. One
// CPU, never interrupted; halting would wait forever, so it is a bug.
//
// A short critical section in the kernel (cpu_interrupts_save_disable) is
// pushfq; pop; cli, then sti. The pushfq is paid here as there. cli and sti
// fault outside ring 0, so they cannot be timed here: they are counted
// instead, in a run of their own (bench_counting), so that the counting costs
// the timed runs nothing, and make bench prints how many each operation
// executes beside its time (tools/bench.py, and the appendix on costs, say
// what they add).
#include "cpu.h"

#include "harness.h"
#include "panic.h"

static bool enabled = true;
unsigned long bench_cli_count, bench_sti_count;
_Atomic bool bench_counting;

void cpu_interrupt_point(void) {}
void cpu_interrupts_enable(void)
{
    enabled = true;
    if (bench_counting)
        bench_sti_count++;
}
void cpu_interrupts_disable(void)
{
    enabled = false;
    if (bench_counting)
        bench_cli_count++;
}
bool cpu_interrupts_enabled(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags)::"memory");
    (void)flags;
    return enabled;
}
bool cpu_in_interrupt(void) { return false; }
void cpu_halt(void) { panic("bench: cpu_halt: nothing would ever wake this CPU"); }
void cpu_enable_and_halt(void) { panic("bench: cpu_enable_and_halt: nothing would wake it"); }

uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

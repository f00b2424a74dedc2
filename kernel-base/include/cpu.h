// The CPU interface: the only way portable code touches interrupts or sleeps.
// In the kernel these are single instructions; in host tests (HOST defined)
// they are provided by the simulated CPU in kernel-base/host/simcpu.c.
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

// The most CPUs a kernel runs on: one, unless it is built with SMP (a
// program's Makefile sets SMP := 1, as chapter 06 does). Host tests may play
// any of several CPUs (simcpu_set_cpu_index), so they get room for them too.
// Per-CPU state is an array indexed by cpu_index(): on one CPU it has one entry
// and cpu_index() is the constant 0, so the code is what it was without it.
#if defined(SMP) || defined(HOST)
#define CPUS_MAX 4
#else
#define CPUS_MAX 1
#endif

#ifdef HOST

void cpu_interrupts_enable(void);
void cpu_interrupts_disable(void);
bool cpu_interrupts_enabled(void);
// hlt: sleep until an interrupt arrives (forever if interrupts are disabled).
void cpu_halt(void);
// sti; hlt as one step: an interrupt pending at the sti wakes the hlt.
void cpu_enable_and_halt(void);
// True while an interrupt handler runs.
bool cpu_in_interrupt(void);
uint64_t cpu_rdtsc(void);
// A place where an interrupt may land; the simulator can raise one here.
void cpu_interrupt_point(void);
// Which CPU this is: 0 unless a test said otherwise (simcpu_set_cpu_index).
unsigned cpu_index(void);

#else

static inline void cpu_interrupts_enable(void) { __asm__ volatile("sti" ::: "memory"); }

static inline void cpu_interrupts_disable(void) { __asm__ volatile("cli" ::: "memory"); }

static inline bool cpu_interrupts_enabled(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags)::"memory");
    return flags & (1u << 9);
}

static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }

// The instruction after sti runs before any interrupt is taken (the "sti
// shadow"), so an interrupt that is pending at the sti wakes this hlt instead
// of being handled in a gap before it. Both must be in one asm statement so
// the compiler cannot put anything between them.
static inline void cpu_enable_and_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_interrupt_point(void) {}

#ifdef SMP
// The index of the CPU running this code (0 is the one that booted): the
// first field of the CPU's own per-CPU area, which its GS base points at
// (kernel/smp.c). A task never moves to another CPU in the middle of a
// function, so the value holds for as long as the caller uses it.
static inline unsigned cpu_index(void)
{
    unsigned index;
    __asm__ volatile("movl %%gs:0, %0" : "=r"(index));
    return index;
}
#else
static inline unsigned cpu_index(void) { return 0; }
#endif

// Handlers running on each CPU, kept by kernel/interrupts.c: 0 in task
// context. A handler changes its CPU's count only while it runs and puts it
// back before it returns, so a relaxed load on the CPU itself is exact.
extern _Atomic unsigned cpu_interrupt_depth[CPUS_MAX];

static inline bool cpu_in_interrupt(void)
{
    return __atomic_load_n(&cpu_interrupt_depth[cpu_index()], __ATOMIC_RELAXED) > 0;
}

#endif

// Tell the CPU that this is a spin-wait loop (`pause`): it saves power, lets
// the other hyperthread run and, in QEMU, lets another virtual CPU run.
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

// A full fence: no load or store after it is done before every load and store
// before it is visible to all CPUs. On x86 only this orders a store before a
// later load (of another variable), which is what a Dekker-style handshake
// needs ("I store my flag, then read yours"); gcc emits `mfence`. Like every
// katomic access it is also an interrupt point.
static inline void cpu_full_fence(void)
{
    cpu_interrupt_point();
    atomic_thread_fence(memory_order_seq_cst);
}

// Disable interrupts and return whether they were enabled, for
// cpu_interrupts_restore: lets short critical sections nest.
static inline bool cpu_interrupts_save_disable(void)
{
    bool was_enabled = cpu_interrupts_enabled();
    cpu_interrupts_disable();
    return was_enabled;
}

static inline void cpu_interrupts_restore(bool was_enabled)
{
    if (was_enabled)
        cpu_interrupts_enable();
}

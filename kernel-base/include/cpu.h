// The CPU interface: the only way portable code touches interrupts or sleeps.
// In the kernel these are single instructions; in host tests (HOST defined)
// they are provided by the simulated CPU in kernel-base/host/simcpu.c.
#pragma once

#include <stdbool.h>
#include <stdint.h>

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

bool cpu_in_interrupt(void); // kernel/interrupts.c

static inline uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_interrupt_point(void) {}

#endif

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

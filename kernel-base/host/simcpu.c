// The simulated CPU: see simcpu.h for the model.
#include "simcpu.h"

#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"

static struct {
    bool enabled;
    bool halted;    // asleep in hlt: a raise waits to be the wakeup
    unsigned depth; // handlers running
    uint32_t pending;
    void (*handlers[SIMCPU_IRQS])(void);
    uint64_t delivered[SIMCPU_IRQS];
    uint64_t points, halts;
    uint64_t raise_at; // point number at which to raise, 0 for none
    unsigned raise_irq;
    void (*halt_hook)(void);
    void (*lost_wakeup)(const char *why);
    uint64_t tsc;
    unsigned index; // what cpu_index() says
    uint64_t other_at;    // point number at which another CPU steps in, 0 for none
    unsigned other_index; // that CPU, and its step
    void (*other_step)(void);
    bool in_other; // the other CPU's step is running
} cpu = {.enabled = true};

void simcpu_reset(void) { cpu = (typeof(cpu)){.enabled = true}; }

void simcpu_set_handler(unsigned irq, void (*handler)(void))
{
    if (irq >= SIMCPU_IRQS)
        abort();
    cpu.handlers[irq] = handler;
}

// Run every pending interrupt the flag allows, lowest line first.
static void deliver(void)
{
    if (cpu.in_other)
        return; // this CPU is between two of its accesses: it takes them after the step
    while (cpu.enabled && !cpu.halted && cpu.depth == 0 && cpu.pending) {
        unsigned irq = __builtin_ctz(cpu.pending);
        cpu.pending &= ~(1u << irq);
        cpu.delivered[irq]++;
        cpu.enabled = false; // an interrupt gate clears IF
        cpu.depth++;
        if (cpu.handlers[irq])
            cpu.handlers[irq]();
        cpu.depth--;
        // cppcheck-suppress redundantAssignment ; the handler read it
        cpu.enabled = true; // iretq restores it
    }
}

void simcpu_raise(unsigned irq)
{
    if (irq >= SIMCPU_IRQS)
        abort();
    cpu.pending |= 1u << irq;
    deliver();
}

void simcpu_raise_at_point(unsigned irq, uint64_t k)
{
    cpu.raise_irq = irq;
    cpu.raise_at = k ? cpu.points + k : 0;
}

void simcpu_other_cpu_at_point(unsigned index, void (*fn)(void), uint64_t k)
{
    if (index >= CPUS_MAX)
        abort();
    cpu.other_index = index;
    cpu.other_step = fn;
    cpu.other_at = k ? cpu.points + k : 0;
}

static void other_cpu_steps_in(void)
{
    unsigned index = cpu.index;
    bool enabled = cpu.enabled;
    cpu.other_at = 0;
    cpu.in_other = true;
    cpu.index = cpu.other_index;
    cpu.other_step();
    cpu.index = index;
    cpu.enabled = enabled;
    cpu.in_other = false;
    deliver(); // what it raised, if this CPU's interrupts are on
}

void simcpu_set_halt_hook(void (*hook)(void)) { cpu.halt_hook = hook; }

void simcpu_set_lost_wakeup_handler(void (*handler)(const char *why)) { cpu.lost_wakeup = handler; }

void simcpu_set_cpu_index(unsigned index)
{
    if (index >= CPUS_MAX)
        abort();
    cpu.index = index;
}

unsigned cpu_index(void) { return cpu.index; }

uint64_t simcpu_points(void) { return cpu.points; }

uint64_t simcpu_delivered(unsigned irq) { return irq < SIMCPU_IRQS ? cpu.delivered[irq] : 0; }

uint64_t simcpu_halts(void) { return cpu.halts; }

bool simcpu_pending(unsigned irq) { return irq < SIMCPU_IRQS && (cpu.pending >> irq & 1); }

// Handlers don't count points: an interrupt cannot nest inside one here.
void cpu_interrupt_point(void)
{
    if (cpu.depth || cpu.in_other)
        return;
    cpu.points++;
    if (cpu.raise_at && cpu.points == cpu.raise_at) {
        cpu.raise_at = 0;
        simcpu_raise(cpu.raise_irq);
    }
    if (cpu.other_at && cpu.points == cpu.other_at)
        other_cpu_steps_in();
}

void cpu_interrupts_enable(void)
{
    cpu_interrupt_point();
    cpu.enabled = true;
    deliver();
}

void cpu_interrupts_disable(void)
{
    cpu_interrupt_point();
    cpu.enabled = false;
}

bool cpu_interrupts_enabled(void)
{
    cpu_interrupt_point();
    return cpu.enabled;
}

bool cpu_in_interrupt(void) { return cpu.depth > 0; }

uint64_t cpu_rdtsc(void) { return cpu.tsc += 100; }

static void lost_wakeup(const char *why)
{
    if (cpu.lost_wakeup)
        cpu.lost_wakeup(why);
    fprintf(stderr, "simcpu: lost wakeup: %s\n", why);
    abort();
}

// The CPU sleeps until an interrupt: the pending one, or one the halt hook
// (standing in for a device) raises.
static void sleep_until_interrupt(void)
{
    if (!cpu.enabled)
        lost_wakeup("hlt with interrupts disabled sleeps forever");
    if (!cpu.pending && cpu.halt_hook) {
        cpu.halted = true;
        cpu.halt_hook();
        cpu.halted = false;
    }
    if (!cpu.pending)
        lost_wakeup("hlt with nothing pending and nothing left to raise an interrupt");
    cpu.halts++;
    deliver();
}

void cpu_halt(void)
{
    cpu_interrupt_point();
    if (cpu.depth)
        lost_wakeup("hlt inside an interrupt handler");
    sleep_until_interrupt();
}

// sti; hlt: no interrupt point between the two, so an interrupt raised
// before the sti is still pending here and wakes the halt at once.
void cpu_enable_and_halt(void)
{
    cpu_interrupt_point();
    if (cpu.depth)
        lost_wakeup("hlt inside an interrupt handler");
    cpu.enabled = true;
    sleep_until_interrupt();
}

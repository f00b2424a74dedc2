// cpu.h (and panic.h) for the thread stress programs: portable code built
// with -DHOST, on real threads instead of the simulated CPU.
//
// The model. Task context is one thread; each interrupt source is a thread
// of its own that runs its handler through cpu_threads_interrupt(). What
// "interrupts disabled" guarantees on one CPU, that no handler runs until
// they are enabled again, is a lock here: cpu_interrupts_disable() takes it
// and cpu_interrupts_enable() releases it, and a handler runs holding it.
// Everything else runs at the same time as the handlers, which is more than
// one CPU can do (an interrupt lands between two instructions, not during
// one): the lock-free protocols claim to be right for that too (the SMP
// case), and ThreadSanitizer checks the memory orders they rely on.
//
// An interrupt point yields now and then, so that the rare interleavings of
// a protocol happen within a short run.
#include "cpu_threads.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "panic.h"

static pthread_mutex_t interrupts_off = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool enabled = true; // this thread's view of the flag
static _Thread_local bool in_interrupt;
static _Thread_local uint32_t rng = 0x9E3779B9u;

// One point in 64 yields: often enough to shuffle the order of the two
// sides' steps, rarely enough that the run makes progress.
void cpu_interrupt_point(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    if ((rng & 63) == 0)
        sched_yield();
}

void cpu_interrupts_disable(void)
{
    cpu_interrupt_point();
    if (enabled) {
        pthread_mutex_lock(&interrupts_off);
        enabled = false;
    }
}

void cpu_interrupts_enable(void)
{
    if (in_interrupt) {
        fprintf(stderr, "cpu_threads: a handler enabled interrupts\n");
        abort();
    }
    if (!enabled) {
        enabled = true;
        pthread_mutex_unlock(&interrupts_off);
    }
    cpu_interrupt_point();
}

bool cpu_interrupts_enabled(void) { return enabled; }
bool cpu_in_interrupt(void) { return in_interrupt; }
uint64_t cpu_rdtsc(void) { return __builtin_ia32_rdtsc(); }

void cpu_threads_interrupt(void (*handler)(void *arg), void *arg)
{
    pthread_mutex_lock(&interrupts_off);
    enabled = false; // an interrupt gate clears IF
    in_interrupt = true;
    handler(arg);
    in_interrupt = false;
    enabled = true;
    pthread_mutex_unlock(&interrupts_off);
}

// Nothing in a stress program halts: a thread waits on its own terms.
void cpu_halt(void)
{
    fprintf(stderr, "cpu_threads: cpu_halt called: the stress programs never halt\n");
    abort();
}
void cpu_enable_and_halt(void) { cpu_halt(); }

void panic_at(const char *file, int line, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "PANIC at %s:%d: ", file, line);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

static const char *limited_program = "a stress program";

// Only async-signal-safe calls here: write and _exit.
static void stuck(int sig)
{
    (void)sig;
    static const char msg[] = ": stuck: not done within the time limit\n";
    (void)!write(2, limited_program, strlen(limited_program));
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

void cpu_threads_time_limit(const char *program, unsigned seconds)
{
    limited_program = program;
    signal(SIGALRM, stuck);
    alarm(seconds);
}

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
//
// Two CPUs (chapter 06): a thread that stands for CPU n says so
// (cpu_threads_set_cpu), and each CPU has its own interrupts-off lock. A CPU
// halts on a condition variable until an interrupt for it is pending (a
// device's, or an IPI); an interrupt that comes while its interrupts are on
// and it is not halted is taken at once, so nothing stays pending to end a
// later hlt that should have slept.
#include "cpu_threads.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"
#include "panic.h"

static pthread_mutex_t interrupts_off[CPUS_MAX] = {[0 ... CPUS_MAX - 1] =
                                                       PTHREAD_MUTEX_INITIALIZER};
static _Thread_local bool enabled = true; // this thread's view of the flag
static _Thread_local bool in_interrupt;
static _Thread_local unsigned this_cpu;

// What wakes a halted CPU: an interrupt pending for it, and the IPIs among
// them, whose handler it runs when it takes them.
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool halted, pending;
    unsigned ipis;
} wake[CPUS_MAX] = {
    [0 ... CPUS_MAX - 1] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, 0}};
static void (*ipi_handler)(void);
static unsigned watch_ms;
static bool (*watch_stuck)(unsigned cpu);
static _Thread_local uint32_t rng = 0x9E3779B9u;
static const char *limited_program = "a stress program";
static const char *limited_program_name(void) { return limited_program; }

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

// Take what is pending for this CPU (its interrupts are on): the IPIs'
// handler runs, as an interrupt, once per IPI.
static void take_pending(void)
{
    pthread_mutex_lock(&wake[this_cpu].lock);
    unsigned ipis = wake[this_cpu].ipis;
    wake[this_cpu].ipis = 0;
    wake[this_cpu].pending = false;
    pthread_mutex_unlock(&wake[this_cpu].lock);
    for (; ipis && ipi_handler; ipis--) {
        pthread_mutex_lock(&interrupts_off[this_cpu]);
        in_interrupt = true;
        ipi_handler();
        in_interrupt = false;
        pthread_mutex_unlock(&interrupts_off[this_cpu]);
    }
}

void cpu_interrupts_disable(void)
{
    cpu_interrupt_point();
    if (enabled) {
        take_pending(); // came while they were on: taken before the cli
        pthread_mutex_lock(&interrupts_off[this_cpu]);
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
        pthread_mutex_unlock(&interrupts_off[this_cpu]);
        take_pending();
    }
    cpu_interrupt_point();
}

bool cpu_interrupts_enabled(void) { return enabled; }
bool cpu_in_interrupt(void) { return in_interrupt; }
uint64_t cpu_rdtsc(void) { return __builtin_ia32_rdtsc(); }
unsigned cpu_index(void) { return this_cpu; }
void cpu_threads_set_cpu(unsigned cpu) { this_cpu = cpu; }

// Mark an interrupt pending for `cpu` (an IPI too, if `ipi`), ending its hlt.
static void make_pending(unsigned cpu, bool ipi)
{
    pthread_mutex_lock(&wake[cpu].lock);
    wake[cpu].pending = true;
    wake[cpu].ipis += ipi;
    pthread_cond_signal(&wake[cpu].cond);
    pthread_mutex_unlock(&wake[cpu].lock);
}

void cpu_threads_interrupt_on(unsigned cpu, void (*handler)(void *arg), void *arg)
{
    unsigned my_cpu = this_cpu;
    pthread_mutex_lock(&interrupts_off[cpu]);
    this_cpu = cpu;
    enabled = false; // an interrupt gate clears IF
    in_interrupt = true;
    handler(arg);
    in_interrupt = false;
    enabled = true;
    this_cpu = my_cpu;
    pthread_mutex_unlock(&interrupts_off[cpu]);
    pthread_mutex_lock(&wake[cpu].lock);
    bool halted = wake[cpu].halted;
    pthread_mutex_unlock(&wake[cpu].lock);
    if (halted)
        make_pending(cpu, false); // it ends the hlt
}

void cpu_threads_interrupt(void (*handler)(void *arg), void *arg)
{
    cpu_threads_interrupt_on(this_cpu, handler, arg);
}

void cpu_threads_ipi(unsigned cpu) { make_pending(cpu, true); }
void cpu_threads_set_ipi_handler(void (*handler)(void)) { ipi_handler = handler; }

void cpu_threads_halt_watch(unsigned ms, bool (*stuck)(unsigned cpu))
{
    watch_ms = ms;
    watch_stuck = stuck;
}

// hlt with interrupts off sleeps forever: a bug, reported.
void cpu_halt(void)
{
    if (!enabled) {
        fprintf(stderr, "cpu_threads: hlt with interrupts off on CPU %u\n", this_cpu);
        abort();
    }
    cpu_interrupts_disable();
    cpu_enable_and_halt();
}

// sti; hlt: this CPU's interrupts-off lock is let go only once its wait has
// begun (under its wake lock), so an interrupt that got the lock after our
// cli finds the CPU halted, or left an interrupt pending: either ends the
// hlt. Called with interrupts off; returns with them on.
void cpu_enable_and_halt(void)
{
    unsigned cpu = this_cpu;
    pthread_mutex_lock(&wake[cpu].lock);
    wake[cpu].halted = true;
    enabled = true;
    pthread_mutex_unlock(&interrupts_off[cpu]);
    while (!wake[cpu].pending) {
        if (!watch_ms) {
            pthread_cond_wait(&wake[cpu].cond, &wake[cpu].lock);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += watch_ms / 1000;
        until.tv_nsec += (long)(watch_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        if (pthread_cond_timedwait(&wake[cpu].cond, &wake[cpu].lock, &until) == ETIMEDOUT &&
            !wake[cpu].pending && watch_stuck && watch_stuck(cpu)) {
            fprintf(stderr, "%s: lost wakeup: CPU %u asleep %u ms with a task it could take\n",
                    limited_program_name(), cpu, watch_ms);
            exit(1);
        }
    }
    wake[cpu].halted = false;
    pthread_mutex_unlock(&wake[cpu].lock);
    take_pending();
}

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

// The watchdog: each SIGALRM compares the progress count with the one the
// previous alarm saw. Only async-signal-safe calls here: a lock-free atomic
// load, alarm, write and _exit.
static _Atomic unsigned long progress;
static unsigned long progress_at_last_alarm;
static unsigned watchdog_s;

void cpu_threads_progress(void) { atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed); }

static void watchdog(int sig)
{
    (void)sig;
    unsigned long now = atomic_load_explicit(&progress, memory_order_relaxed);
    if (now != progress_at_last_alarm) { // slow, perhaps, but moving
        progress_at_last_alarm = now;
        alarm(watchdog_s);
        return;
    }
    static const char msg[] = ": stuck: no progress within the time limit\n";
    (void)!write(2, limited_program, strlen(limited_program));
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

void cpu_threads_watchdog(const char *program, unsigned seconds)
{
    limited_program = program;
    watchdog_s = seconds;
    signal(SIGALRM, watchdog);
    alarm(seconds);
}

unsigned cpu_threads_count(unsigned full, unsigned short_run)
{
    return getenv("STRESS_SHORT") ? short_run : full;
}

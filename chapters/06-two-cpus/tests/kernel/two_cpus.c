// The second CPU of two_cpus.h.
#include "two_cpus.h"

#include "cpu.h"
#include "katomic.h"
#include "ktest.h"
#include "lapic.h"
#include "pit.h"
#include "smp.h"
#include "trace.h"

static struct executor *_Atomic job; // posted by CPU 0, taken by CPU 1
static _Atomic bool stop, running;

static void ipi_received(void) { trace_ipi_received(); }

// CPU 1: wait for a job (cli; look; sti; hlt: the IPI that posts it ends
// the hlt), run it until told to stop, and wait again.
static void cpu1_main(void)
{
    for (;;) {
        cpu_interrupts_disable();
        struct executor *ex = katomic_exchange(&job, NULL, memory_order_acquire);
        if (!ex) {
            cpu_enable_and_halt();
            continue;
        }
        cpu_interrupts_enable();
        while (!katomic_load(&stop, memory_order_acquire)) {
            executor_run_ready_tasks(ex);
            if (ex->idle == EXECUTOR_IDLE_RACE_FREE)
                executor_sleep_if_idle(ex);
            else
                executor_sleep_if_idle_naive(ex);
        }
        katomic_store(&running, false, memory_order_release);
    }
}

void two_cpus_start(void)
{
    static bool started;
    KTEST_ASSERT_EQ(smp_cpu_count(), 2); // QEMU -smp 2
    ipi_set_handler(ipi_received);
    if (!started) {
        started = true;
        smp_start_aps(cpu1_main);
    }
}

void two_cpus_run(struct executor *ex)
{
    katomic_store(&stop, false, memory_order_relaxed);
    katomic_store(&running, true, memory_order_relaxed);
    katomic_store(&job, ex, memory_order_release);
    lapic_send_ipi(1);
}

void two_cpus_stop(void)
{
    katomic_store(&stop, true, memory_order_release);
    // An IPI ends CPU 1's hlt, or lands before it: then its next timer tick
    // does. Bounded either way; this is a test, and may spin.
    lapic_send_ipi(1);
    uint64_t give_up = pit_ticks() + 300;
    while (katomic_load(&running, memory_order_acquire)) {
        KTEST_ASSERT(pit_ticks() < give_up);
        cpu_relax();
    }
}

// Computing, with a pause now and then: under -icount QEMU runs the CPUs
// in turn, and a CPU that computes without ever pausing can keep the other
// from getting its turn for good (seen with QEMU 7.2). Not a pause at every
// turn of the loop: each one hands the turn over, and a loop of them crawls.
void two_cpus_busy_until(uint64_t tick)
{
    while (pit_ticks() < tick) {
        for (volatile unsigned i = 0; i < 1000; i++)
            ;
        cpu_relax();
    }
}

#ifdef IDLE_NAIVE
#include "boot_info.h"
#include "kstring.h"
#endif

enum executor_idle two_cpus_idle(const char **name)
{
    *name = "race-free";
#ifdef IDLE_NAIVE
    static const struct {
        const char *name;
        enum executor_idle idle;
    } twins[] = {{"noflag", EXECUTOR_IDLE_NOFLAG},
                 {"nofence", EXECUTOR_IDLE_NOFENCE},
                 {"noipi", EXECUTOR_IDLE_NOIPI}};
    char word[16] = "";
    boot_cmdline_value("idle_bug", word, sizeof word);
    for (unsigned i = 0; i < sizeof twins / sizeof twins[0]; i++)
        if (strlen(word) == strlen(twins[i].name) &&
            memcmp(word, twins[i].name, strlen(word)) == 0) {
            *name = twins[i].name;
            return twins[i].idle;
        }
    *name = "noflag";
    return EXECUTOR_IDLE_NOFLAG;
#else
    return EXECUTOR_IDLE_RACE_FREE;
#endif
}

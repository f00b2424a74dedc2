// The timing harness of harness.h: calibrate, warm up, repeat, take the median.
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPETITIONS 11

// The same figures with SMP-safe atomics (bench.mk builds them too).
#ifdef BENCH_SMP
#define NAME_SUFFIX "_smp"
#elif defined(BENCH_NAME_SUFFIX) // a variant of a chapter's file (bench.mk)
#define NAME_SUFFIX BENCH_NAME_SUFFIX
#else
#define NAME_SUFFIX ""
#endif

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double time_run(const struct bench_figure *f, uint64_t iterations)
{
    double start = now_ns();
    f->run(iterations);
    return now_ns() - start;
}

// The smallest iteration count whose run takes about target_ns: double until
// a run takes a tenth of the target (too short a run mostly measures the
// clock), then scale linearly.
static uint64_t calibrate(const struct bench_figure *f, double target_ns)
{
    uint64_t iterations = 1;
    double elapsed;
    while ((elapsed = time_run(f, iterations)) < target_ns / 10)
        iterations *= 2;
    uint64_t scaled = (uint64_t)((double)iterations * target_ns / elapsed);
    return scaled ? scaled : 1;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void measure(const struct bench_figure *f, double target_ns)
{
    uint64_t iterations = calibrate(f, target_ns);
    double ops = (double)iterations * f->ops_per_iteration;
    double ns[REPETITIONS];
    time_run(f, iterations); // warm-up: caches, branch predictors, the heap's free lists
    for (int i = 0; i < REPETITIONS; i++)
        ns[i] = time_run(f, iterations) / ops;
    // cli and sti are counted in a run of their own: counting is not free.
    unsigned long cli = bench_cli_count, sti = bench_sti_count;
    bench_counting = true;
    time_run(f, iterations);
    bench_counting = false;
    double per_op = (double)(bench_cli_count - cli + bench_sti_count - sti) / ops;
    qsort(ns, REPETITIONS, sizeof ns[0], compare_doubles);
    char name[64];
    snprintf(name, sizeof name, "%s" NAME_SUFFIX, f->name);
    printf("%s\t%.3f\t%.2f\n", name, ns[REPETITIONS / 2], per_op);
    fflush(stdout);
    fprintf(stderr,
            "%-28s %10.3f ns/op  (min %.3f, max %.3f; %d reps of %.0f ops; "
            "%.2f cli+sti per op, not timed)\n",
            name, ns[REPETITIONS / 2], ns[0], ns[REPETITIONS - 1], REPETITIONS, ops, per_op);
}

static int selected(const char *name, int argc, char **argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

int bench_main(int argc, char **argv, const struct bench_figure *figures, unsigned count)
{
    const char *quick = getenv("BENCH_QUICK");
    double target_ns = quick && strcmp(quick, "0") && *quick ? 5e6 : 25e6;
    // For profilers (callgrind, perf): a fixed number of iterations, run once,
    // so that costs divide evenly by it. Prints no figure, only (on stderr)
    // the operations per iteration, which tools/bench.py divides by.
    const char *fixed = getenv("BENCH_ITERATIONS");
    for (unsigned i = 0; i < count; i++) {
        char name[64]; // as it is printed: callgrind's runs ask for NAME_smp by that name
        snprintf(name, sizeof name, "%s" NAME_SUFFIX, figures[i].name);
        if (!selected(name, argc, argv))
            continue;
        if (fixed) {
            uint64_t iterations = strtoull(fixed, NULL, 10);
            fprintf(stderr, "%s: %llu iterations of %u ops\n", figures[i].name,
                    (unsigned long long)iterations, figures[i].ops_per_iteration);
            figures[i].run(iterations);
        } else
            measure(&figures[i], target_ns);
    }
    return 0;
}

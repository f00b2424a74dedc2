// deque.c itself, over every interleaving of a few calls on two or three
// CPUs with x86's store buffers: an exhaustive model check of the real code.
// The other deque tests run on the simulated CPU, whose memory is
// sequentially consistent, so none of them can see a fence missing; this
// one can, on every run, whatever the host.
//
// The model is x86-TSO, as in test_dekker.c: each CPU's stores go into its
// own FIFO store buffer and reach memory later, one at a time, at any
// moment; a load sees the CPU's own newest buffered store to that location,
// else memory; a seq_cst fence, a seq_cst store (xchg) and every locked
// read-modify-write (the CAS) wait until their CPU's buffer is empty, and
// the last two then act on memory at once. Memory is the deque itself.
//
// How deque.c runs in it: this file includes deque.c twice, with katomic.h's
// accesses and atomic_thread_fence redefined as the model's, and its
// functions renamed (tso_deque_pop, naive_deque_pop, ...): once as it is,
// once with its fences gone (naive_). Each CPU is a thread; only one runs at
// a time, holding a baton (a semaphore per thread). At each access that
// another CPU could tell apart from a different order, the CPU stops and the
// schedule says what happens next: one CPU's next access, or one CPU's oldest
// buffered store reaching memory. A depth-first search runs every schedule:
// each run starts again from the beginning, follows the choices of the last
// one up to its last choice with an option left, and takes that option.
// Sleep sets (at choose()) skip the orders that differ only in steps that
// commute, and a test checks them against the full search.
//
// Steps that commute with every step of every other CPU are not choices:
// a store into the CPU's own buffer (no other CPU sees it before it drains:
// the drain is the choice), a fence with an empty buffer, and the owner's
// reads of bottom and of the slots, which no other CPU writes (the test
// fails if one does). What the compiler may reorder is not modelled: x86's
// mapping of C11, in program order, is.
//
// Every run checks that no item is taken twice and no slot is read before
// its item is there; then the owner pops what is left, and every item must
// have been taken exactly once.
#include "katomic.h" // first: deque.c's own include of it then changes nothing

#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include "deque.h"
#include "testing.h"

// The model's accesses, as deque.c calls them.

static int64_t tso_load(void *addr, size_t size);
static void tso_store(void *addr, size_t size, int64_t value, memory_order order);
static bool tso_compare_exchange(void *addr, size_t size, void *expected, int64_t desired);
static int64_t tso_fetch_add(void *addr, size_t size, int64_t value);
static void tso_fence(memory_order order);

#undef katomic_load
#undef katomic_store
#undef katomic_compare_exchange
#undef katomic_fetch_add
#undef atomic_thread_fence
// The values are int64_t: deque.c's assignments convert them back.
#define katomic_load(obj, order) tso_load((void *)(obj), sizeof *(obj))
#define katomic_store(obj, value, order)                                                           \
    tso_store((void *)(obj), sizeof *(obj), (int64_t)(value), order)
#define katomic_compare_exchange(obj, expected, desired, success, failure)                         \
    tso_compare_exchange((void *)(obj), sizeof *(obj), (expected), (int64_t)(desired))
#define katomic_fetch_add(obj, value, order)                                                       \
    tso_fetch_add((void *)(obj), sizeof *(obj), (int64_t)(value))
// Any other access would escape the model: make it fail to build.
#undef katomic_exchange
#undef katomic_fetch_sub
#undef katomic_fetch_or
#undef katomic_fetch_and
#define katomic_exchange(...)  tso_access_not_modelled()
#define katomic_fetch_sub(...) tso_access_not_modelled()
#define katomic_fetch_or(...)  tso_access_not_modelled()
#define katomic_fetch_and(...) tso_access_not_modelled()

// deque.c's names, prefixed with DEQUE_COPY where they are called or defined
// (function-like, so that `enum deque_steal` keeps its name).
#define COPY_NAME(name)        COPY_NAME_(DEQUE_COPY, name)
#define COPY_NAME_(pre, name)  COPY_NAME__(pre, name)
#define COPY_NAME__(pre, name) pre##name
#define deque_init(...)        COPY_NAME(deque_init)(__VA_ARGS__)
#define deque_push(...)        COPY_NAME(deque_push)(__VA_ARGS__)
#define deque_pop(...)         COPY_NAME(deque_pop)(__VA_ARGS__)
#define deque_steal(...)       COPY_NAME(deque_steal)(__VA_ARGS__)
#define deque_is_empty(...)    COPY_NAME(deque_is_empty)(__VA_ARGS__)
#define deque_overflows(...)   COPY_NAME(deque_overflows)(__VA_ARGS__)
#define slot(...)              COPY_NAME(slot)(__VA_ARGS__)
#define DECLARE_DEQUE_COPY()                                                                       \
    void deque_init(struct deque *d);                                                              \
    bool deque_push(struct deque *d, uint32_t item);                                               \
    bool deque_pop(struct deque *d, uint32_t *item);                                               \
    enum deque_steal deque_steal(struct deque *d, uint32_t *item);                                 \
    bool deque_is_empty(struct deque *d);                                                          \
    uint32_t deque_overflows(struct deque *d)

// deque.c as it is.
#define DEQUE_COPY                 tso_
#define atomic_thread_fence(order) tso_fence(order)
DECLARE_DEQUE_COPY();
#include "../../src/deque.c"
#undef DEQUE_COPY
#undef atomic_thread_fence

// deque.c without the fences of the functions whose names contain
// naive_fenceless ("pop", "steal", or "deque" for both).
static const char *naive_fenceless = "deque";
#define DEQUE_COPY naive_
#define atomic_thread_fence(order)                                                                 \
    (strstr(__func__, naive_fenceless) ? (void)(order) : tso_fence(order))
DECLARE_DEQUE_COPY();
#include "../../src/deque.c"
#undef DEQUE_COPY
#undef atomic_thread_fence

#undef deque_init
#undef deque_push
#undef deque_pop
#undef deque_steal
#undef deque_is_empty
#undef deque_overflows
#undef slot

struct copy {
    void (*init)(struct deque *d);
    bool (*push)(struct deque *d, uint32_t item);
    bool (*pop)(struct deque *d, uint32_t *item);
    enum deque_steal (*steal)(struct deque *d, uint32_t *item);
};
static const struct copy real = {tso_deque_init, tso_deque_push, tso_deque_pop, tso_deque_steal};
static const struct copy naive = {naive_deque_init, naive_deque_push, naive_deque_pop,
                                  naive_deque_steal};

TestSuite(deque_tso);

// The machine: CPUs, store buffers, the baton.

#define MAX_CPUS   3
#define OWNER      0
#define BUFFER     8                    // stores a CPU can have waiting
#define MAX_ITEMS  (DEQUE_CAPACITY + 1) // items are 1..MAX_ITEMS
#define MAX_CHOICE 256                  // choices in one run

enum wait { RUNNING, LOAD, STORE, RMW, FENCE, DONE }; // what a stopped CPU is about to do

struct store {
    void *addr;
    size_t size;
    int64_t value;
};

struct cpu {
    pthread_t thread;
    sem_t baton;                 // posted when this CPU may run
    void (*program)(void);       // this run's calls
    const char *name;            // "the owner", "the thief", "thief 1"
    enum wait wait;              // where it stopped
    const void *addr;            // and what it is about to read or write
    struct store buffer[BUFFER]; // oldest first
    int buffered;
    char seen[24]; // what its loads and CASes returned this run, in order
    int n_seen;
};

static struct cpu cpus[MAX_CPUS];
static int ncpus;
// The test's own thread's: the run is over, or a CPU has reached its first stop.
static sem_t main_baton;
static __thread int self; // the CPU this thread is
static bool starting;     // each CPU runs to its first stop before the first choice
static bool quitting;
static bool sequential;    // after the run: accesses act on memory at once, no choices
static bool no_buffers;    // a machine without store buffers (sequentially consistent)
static bool reduce = true; // leave out orders of independent steps (below)

static struct deque dq;
static const struct copy *copy;

// The schedule: the option taken at each choice, and how many there were.
static int choice[MAX_CHOICE], options[MAX_CHOICE];
static int depth, replay; // choices made this run; those taken from the last run

// What each run took, and what it did wrong (the first thing).
struct take {
    int cpu;
    const char *call;
};
static struct take takes[MAX_ITEMS + 1][4];
static int times_taken[MAX_ITEMS + 1];
static unsigned items; // items pushed, before the run and during it
static char problem[320];
static bool pop_read_top_over_its_bottom; // the owner read top with a store of bottom buffered

// Beyond what the model was sized for: no verdict can be trusted. (The CPU
// threads cannot fail a Criterion test; this ends the test's process.)
static void model_broken(const char *why)
{
    fprintf(stderr, "deque_tso: %s\n", why);
    abort();
}

static bool owner_writes_only(const void *addr)
{
    const char *p = addr;
    return p == (const char *)&dq.bottom ||
           (p >= (const char *)&dq.items[0] && p < (const char *)&dq.items[DEQUE_CAPACITY]);
}

static int64_t memory_read(const void *addr, size_t size)
{
    if (size == sizeof(int64_t)) {
        int64_t v;
        memcpy(&v, addr, sizeof v);
        return v;
    }
    uint32_t v;
    memcpy(&v, addr, sizeof v);
    return v;
}

static void memory_write(void *addr, size_t size, int64_t value)
{
    if (size == sizeof(int64_t)) {
        memcpy(addr, &value, sizeof value);
        return;
    }
    uint32_t v = (uint32_t)value;
    memcpy(addr, &v, sizeof v);
}

static void drain_one(struct cpu *c)
{
    memory_write(c->buffer[0].addr, c->buffer[0].size, c->buffer[0].value);
    memmove(c->buffer, c->buffer + 1, sizeof c->buffer[0] * (size_t)(c->buffered - 1));
    c->buffered--;
}

// A CPU stopped at a fence, a seq_cst store or a locked instruction waits
// for its buffer to empty.
static bool can_go(const struct cpu *c)
{
    return c->wait == LOAD ||
           ((c->wait == STORE || c->wait == RMW || c->wait == FENCE) && c->buffered == 0);
}

// The steps possible now, in a fixed order: per CPU, its oldest buffered
// store reaching memory (2 * cpu), then its next access (2 * cpu + 1). Once
// every CPU is done, the buffers drain in order: nobody reads any more.
static int steps_now(int *steps)
{
    int n = 0;
    bool all_done = true;
    for (int i = 0; i < ncpus; i++) {
        if (cpus[i].buffered)
            steps[n++] = 2 * i;
        if (can_go(&cpus[i]))
            steps[n++] = 2 * i + 1;
        all_done &= cpus[i].wait == DONE;
    }
    if (!all_done)
        return n;
    for (int i = 0; i < ncpus; i++)
        while (cpus[i].buffered)
            drain_one(&cpus[i]);
    return 0;
}

// Whether two steps give the same state in either order: steps of two CPUs
// do, unless one writes a location that the other reads or writes. (Two
// steps of one CPU are never taken to commute.)
static bool writes(int step) { return step % 2 == 0 || cpus[step / 2].wait != LOAD; }

static const void *location(int step)
{
    const struct cpu *c = &cpus[step / 2];
    return step % 2 == 0 ? c->buffer[0].addr : c->addr;
}

static bool independent(int a, int b)
{
    return a / 2 != b / 2 &&
           (location(a) != location(b) || !location(a) || !(writes(a) || writes(b)));
}

// The next step: the schedule's, or the first option past its end. -1 when
// the run is over.
//
// Sleep sets (Godefroid's) leave out orders that differ only in independent
// steps, yet every state a run can reach is still reached. Once a choice's
// option t has been explored, its later options need not try t first: t
// sleeps in them, and stays asleep until a step that t does not commute
// with is taken. A run in which every possible step sleeps can only repeat
// orders tried before: it goes on, unrecorded, to its end.
static unsigned sleeping; // a bit per step
static bool redundant;    // this run is one of those

static int choose(void)
{
    int steps[2 * MAX_CPUS], awake[2 * MAX_CPUS], n = 0;
    int enabled = steps_now(steps);
    if (enabled == 0)
        return -1;
    for (int i = 0; i < enabled; i++)
        if (!reduce || redundant || !(sleeping & 1u << steps[i]))
            awake[n++] = steps[i];
    if (n == 0) { // all asleep
        redundant = true;
        memcpy(awake, steps, sizeof steps);
        n = enabled;
    }
    int c = 0;
    if (n > 1 && !redundant) {
        if (depth == MAX_CHOICE)
            model_broken("a run of more than MAX_CHOICE choices");
        if (depth >= replay)
            choice[depth] = 0;
        options[depth] = n;
        c = choice[depth++];
    }
    int t = awake[c];
    unsigned tried = 0, next = 0;
    for (int i = 0; i < c; i++)
        tried |= 1u << awake[i];
    for (int i = 0; i < enabled; i++)
        if ((sleeping | tried) & 1u << steps[i] && independent(steps[i], t))
            next |= 1u << steps[i];
    sleeping = reduce && !redundant ? next : 0;
    return t;
}

// Takes the steps the schedule says, drains at once, until one is a CPU's
// access; hands that CPU the baton (or the test's thread, when the run is
// over). True if it is `me`'s own access: `me` keeps running.
static bool hand_on(int me)
{
    for (;;) {
        int step = choose();
        if (step < 0) {
            if (me >= 0)
                sem_post(&main_baton);
            return me < 0;
        }
        if (step % 2 == 0) {
            drain_one(&cpus[step / 2]);
            continue;
        }
        if (step / 2 == me)
            return true;
        sem_post(&cpus[step / 2].baton);
        return false;
    }
}

// A stop before an access that another CPU could tell from another order.
static void stop(enum wait wait, const void *addr)
{
    struct cpu *c = &cpus[self];
    c->wait = wait;
    c->addr = addr;
    if (starting) {
        sem_post(&main_baton);
        sem_wait(&c->baton);
    } else if (!hand_on(self)) {
        sem_wait(&c->baton);
    }
    c->wait = RUNNING;
}

static void *cpu_thread(void *arg)
{
    self = (int)(intptr_t)arg;
    struct cpu *c = &cpus[self];
    for (;;) {
        sem_wait(&c->baton);
        if (quitting)
            return NULL;
        c->program();
        c->wait = DONE;
        if (starting)
            sem_post(&main_baton);
        else
            hand_on(self);
    }
}

static void note(const char *fmt, const char *a, const char *b)
{
    if (!problem[0])
        snprintf(problem, sizeof problem, fmt, a, b);
}

static void owner_only_check(void *addr)
{
    if (self != OWNER && owner_writes_only(addr))
        note("%s wrote bottom or a slot, which only the owner writes%s", cpus[self].name, "");
}

// Notes what a CPU's access returned, for outcome().
static int64_t seen(int64_t value)
{
    struct cpu *c = &cpus[self];
    if (!sequential && c->n_seen < (int)sizeof c->seen)
        c->seen[c->n_seen++] = (char)('0' + (value & 63));
    return value;
}

static int64_t tso_load(void *addr, size_t size)
{
    struct cpu *c = &cpus[self];
    if (!sequential && !(self == OWNER && owner_writes_only(addr)))
        stop(LOAD, addr);
    for (int i = c->buffered - 1; i >= 0; i--)
        if (c->buffer[i].addr == addr)
            return seen(c->buffer[i].value);
    if (self == OWNER && addr == &dq.top && !sequential)
        for (int i = 0; i < c->buffered; i++)
            pop_read_top_over_its_bottom |= c->buffer[i].addr == &dq.bottom;
    return seen(memory_read(addr, size));
}

static void tso_store(void *addr, size_t size, int64_t value, memory_order order)
{
    struct cpu *c = &cpus[self];
    owner_only_check(addr);
    if (sequential) {
        memory_write(addr, size, value);
        return;
    }
    if (no_buffers || order == memory_order_seq_cst) { // xchg, or mov and mfence
        stop(STORE, addr);
        memory_write(addr, size, value);
        return;
    }
    if (c->buffered == BUFFER)
        model_broken("more than BUFFER stores in a store buffer");
    c->buffer[c->buffered++] = (struct store){addr, size, value};
}

static bool tso_compare_exchange(void *addr, size_t size, void *expected, int64_t desired)
{
    owner_only_check(addr);
    if (!sequential)
        stop(RMW, addr);
    int64_t now = memory_read(addr, size);
    if (now != memory_read(expected, size)) {
        memory_write(expected, size, now);
        return seen(false);
    }
    memory_write(addr, size, desired);
    return seen(true);
}

static int64_t tso_fetch_add(void *addr, size_t size, int64_t value)
{
    owner_only_check(addr);
    if (!sequential)
        stop(RMW, addr);
    int64_t old = memory_read(addr, size);
    memory_write(addr, size, old + value);
    return old;
}

static void tso_fence(memory_order order)
{
    if (order == memory_order_seq_cst && !sequential && cpus[self].buffered)
        stop(FENCE, NULL);
}

// The calls each CPU makes, and the runs.

static void take(uint32_t item, const char *call)
{
    if (item < 1 || item > items || item > MAX_ITEMS) {
        char what[48];
        snprintf(what, sizeof what, "took %u, which was never pushed", item);
        note("%s %s (a slot read before its item was there)", cpus[self].name, what);
        return;
    }
    if (times_taken[item] < 4)
        takes[item][times_taken[item]] = (struct take){self, call};
    times_taken[item]++;
}

static void pop_once(void)
{
    uint32_t x;
    if (copy->pop(&dq, &x))
        take(x, "pop");
}

static void push_then_pop(void)
{
    if (!copy->push(&dq, ++items))
        note("%s's push was refused%s", cpus[self].name, "");
    pop_once();
}

static void push_if_room(void)
{
    uint32_t item = items + 1;
    if (copy->push(&dq, item))
        items = item;
}

static void steal_once(void)
{
    uint32_t x;
    if (copy->steal(&dq, &x) == DEQUE_STOLEN)
        take(x, "steal");
}

static void steal_twice(void)
{
    steal_once();
    steal_once();
}

struct scenario {
    const char *name;
    unsigned items; // pushed by the owner before the run
    void (*program[MAX_CPUS])(void);
};

#define MAX_OUTCOMES 256
#define OUTCOME      128

struct verdict {
    unsigned long runs, bad, redundant;   // redundant: ran on where every step slept
    char outcomes[MAX_OUTCOMES][OUTCOME]; // the distinct ends the runs came to
    int n_outcomes;
    char first[400]; // the first bad run's problem
};

static void who(char *out, size_t size, struct take t)
{
    snprintf(out, size, "%s's %s", cpus[t.cpu].name, t.call);
}

// The run's verdict: a problem noted during it, else an item taken twice
// or never.
static void judge(void)
{
    if (problem[0])
        return;
    for (unsigned i = 1; i <= items; i++) {
        char a[64], b[64], what[48];
        if (times_taken[i] == 1)
            continue;
        if (times_taken[i] == 0) {
            snprintf(what, sizeof what, "item %u", i);
            note("%s was never taken%s", what, "");
            return;
        }
        who(a, sizeof a, takes[i][0]);
        who(b, sizeof b, takes[i][1]);
        snprintf(what, sizeof what, "item %u taken twice: by ", i);
        snprintf(problem, sizeof problem, "%s%s and %s%s", what, a, b,
                 pop_read_top_over_its_bottom ? " (the pop's store of bottom was still in its "
                                                "store buffer when it read top)"
                                              : "");
        return;
    }
}

static void one_run(const struct scenario *s)
{
    depth = 0;
    sleeping = 0;
    redundant = false;
    problem[0] = 0;
    pop_read_top_over_its_bottom = false;
    memset(times_taken, 0, sizeof times_taken);
    sequential = true;
    self = OWNER;
    copy->init(&dq);
    for (items = 0; items < s->items;)
        cr_assert(copy->push(&dq, ++items));
    sequential = false;
    for (int i = 0; i < ncpus; i++) {
        cpus[i].wait = RUNNING;
        cpus[i].buffered = 0;
        cpus[i].n_seen = 0;
    }
    starting = true; // each CPU to its first stop
    for (int i = 0; i < ncpus; i++) {
        sem_post(&cpus[i].baton);
        sem_wait(&main_baton);
    }
    starting = false;
    if (!hand_on(-1))
        sem_wait(&main_baton);
    // Every buffer has drained. The owner takes what is left.
    sequential = true;
    self = OWNER;
    uint32_t x;
    while (copy->pop(&dq, &x))
        take(x, "pop after the run");
    judge();
}

// How the run ended: what each CPU's loads and CASes returned (which fixes
// what it did), who took which item during the run ("1:0p2s" is item 1
// taken by the owner's pop and thief 2's steal), whether it went wrong.
static void outcome(char *out)
{
    for (int c = 0; c < ncpus; c++)
        out += sprintf(out, "%.*s|", cpus[c].n_seen, cpus[c].seen);
    for (unsigned i = 1; i <= items; i++) {
        char by[4][3];
        int n = 0;
        for (int k = 0; k < times_taken[i] && k < 4; k++)
            if (strcmp(takes[i][k].call, "pop after the run"))
                snprintf(by[n++], sizeof by[0], "%d%c", takes[i][k].cpu, takes[i][k].call[0]);
        qsort(by, (size_t)n, sizeof by[0], (int (*)(const void *, const void *))strcmp);
        if (n)
            out += sprintf(out, "%u:", i);
        for (int k = 0; k < n; k++)
            out += sprintf(out, "%s", by[k]);
    }
    sprintf(out, "%s", problem[0] ? "!" : "");
}

static void count_outcome(struct verdict *v)
{
    char o[OUTCOME];
    outcome(o);
    for (int i = 0; i < v->n_outcomes; i++)
        if (!strcmp(v->outcomes[i], o))
            return;
    if (v->n_outcomes == MAX_OUTCOMES)
        model_broken("more than MAX_OUTCOMES outcomes");
    strcpy(v->outcomes[v->n_outcomes++], o);
}

// The next schedule: the last choice with an option left takes it.
static bool backtrack(void)
{
    while (depth > 0 && choice[depth - 1] + 1 >= options[depth - 1])
        depth--;
    if (depth == 0)
        return false;
    choice[depth - 1]++;
    replay = depth;
    return true;
}

static struct verdict explore(const struct scenario *s, const struct copy *c)
{
    static const char *const thieves[2][2] = {{"the thief"}, {"thief 1", "thief 2"}};
    struct verdict v = {0};
    copy = c;
    ncpus = s->program[2] ? 3 : 2;
    sem_init(&main_baton, 0, 0);
    for (int i = 0; i < ncpus; i++) {
        cpus[i].program = s->program[i];
        cpus[i].name = i == OWNER ? "the owner" : thieves[ncpus - 2][i - 1];
        sem_init(&cpus[i].baton, 0, 0);
        pthread_create(&cpus[i].thread, NULL, cpu_thread, (void *)(intptr_t)i);
    }
    replay = 0;
    do {
        one_run(s);
        v.runs++;
        v.redundant += redundant;
        count_outcome(&v);
        if (problem[0] && !v.bad++)
            snprintf(v.first, sizeof v.first, "%s", problem);
    } while (backtrack());
    quitting = true;
    for (int i = 0; i < ncpus; i++) {
        sem_post(&cpus[i].baton);
        pthread_join(cpus[i].thread, NULL);
        sem_destroy(&cpus[i].baton);
    }
    quitting = false;
    sem_destroy(&main_baton);
    const char *fences = c == &real                          ? ""
                         : !strcmp(naive_fenceless, "pop")   ? ", no pop fence"
                         : !strcmp(naive_fenceless, "steal") ? ", no steal fence"
                                                             : ", no fences";
    fprintf(stderr,
            "deque_tso: %s%s%s%s: %lu interleavings (%lu redundant), %d outcomes, %lu bad\n",
            s->name, fences, no_buffers ? ", no store buffers" : "", reduce ? "" : ", unreduced",
            v.runs, v.redundant, v.n_outcomes, v.bad);
    return v;
}

// The scenarios.

// Two items; the owner pops one while a thief steals twice, or two thieves
// steal once each: a thief that still sees the old bottom can reach the
// owner's item only after another steal has taken the one above it.
static const struct scenario pop_vs_two_steals = {"pop vs two steals", 2, {pop_once, steal_twice}};
static const struct scenario pop_vs_two_thieves = {
    "pop vs two thieves", 2, {pop_once, steal_once, steal_once}};
// The last item: pop and steal both CAS top, and one wins.
static const struct scenario last_item = {"last item", 1, {pop_once, steal_twice}};
// A push while a thief steals: the thief that sees the new bottom sees the
// item (the buffer drains in order), and then the owner pops.
static const struct scenario push_vs_steals = {"push vs steals", 1, {push_then_pop, steal_twice}};

// A full deque: the owner pushes only once a thief has made room, into the
// slot that a slower thief may still be reading; that thief's CAS must fail.
static const struct scenario slot_reuse = {
    "slot reuse", DEQUE_CAPACITY, {push_if_room, steal_once, steal_once}};

static void assert_never_loses(const struct scenario *s)
{
    struct verdict v = explore(s, &real);
    cr_assert_gt(v.runs, 10);
    cr_assert_eq(v.bad, 0, "%s, in %lu of %lu interleavings", v.first, v.bad, v.runs);
}

// region: deque_tso_tests
Test(deque_tso, pop_vs_a_thief_stealing_twice_never_takes_an_item_twice, .timeout = 60)
{
    assert_never_loses(&pop_vs_two_steals);
}

Test(deque_tso, pop_vs_two_thieves_never_takes_an_item_twice, .timeout = 60)
{
    assert_never_loses(&pop_vs_two_thieves);
}

Test(deque_tso, the_last_item_goes_to_exactly_one_of_pop_and_steal, .timeout = 60)
{
    assert_never_loses(&last_item);
}

Test(deque_tso, a_thief_that_sees_a_pushed_item_takes_it_whole, .timeout = 60)
{
    assert_never_loses(&push_vs_steals);
}

Test(deque_tso, a_slot_reused_under_a_slow_thief_is_not_taken_twice, .timeout = 60)
{
    assert_never_loses(&slot_reuse);
}

// The model sees the race the fence is there for: without pop's fence, its
// store of bottom waits in the store buffer while it reads top, and a thief
// that still reads the old bottom takes the owner's item too.
Test(deque_tso, without_the_pop_fence_a_thief_takes_the_owners_item, .timeout = 60)
{
    naive_fenceless = "pop";
    const struct scenario *both[] = {&pop_vs_two_steals, &pop_vs_two_thieves};
    for (int i = 0; i < 2; i++) {
        struct verdict v = explore(both[i], &naive);
        cr_assert_gt(v.bad, 0, "%s: none of %lu interleavings lost", both[i]->name, v.runs);
        cr_assert(strstr(v.first, "still in its store buffer"), "%s", v.first);
    }
}

// Steal's fence is for the C11 memory model (and for machines that reorder
// loads): on x86 a load never overtakes a load, and a thief has no store of
// its own waiting, so the fence changes nothing here.
Test(deque_tso, on_x86_the_steal_fence_changes_nothing, .timeout = 60)
{
    naive_fenceless = "steal";
    struct verdict v = explore(&pop_vs_two_steals, &naive);
    cr_assert_eq(v.bad, 0, "%s, in %lu of %lu interleavings", v.first, v.bad, v.runs);
}

// Without store buffers, as on one CPU or the simulated one, the fence-less
// deque is right: the bug lives in the store buffer alone.
Test(deque_tso, without_store_buffers_the_fences_change_nothing, .timeout = 60)
{
    naive_fenceless = "deque";
    no_buffers = true;
    struct verdict v = explore(&pop_vs_two_steals, &naive);
    cr_assert_eq(v.bad, 0, "%s, in %lu of %lu interleavings", v.first, v.bad, v.runs);
}
// endregion: deque_tso_tests

// The sleep sets leave out orders, never an end: with them and without,
// the runs end in the same ways, the losing ones included.
static void assert_same_outcomes(const struct scenario *s, const struct copy *c)
{
    reduce = false;
    struct verdict all = explore(s, c);
    reduce = true;
    struct verdict some = explore(s, c);
    cr_assert_lt(some.runs, all.runs);
    ASSERT_EQ(some.n_outcomes, all.n_outcomes, "%s", s->name);
    for (int i = 0; i < all.n_outcomes; i++) {
        bool found = false;
        for (int k = 0; k < some.n_outcomes; k++)
            found |= !strcmp(all.outcomes[i], some.outcomes[k]);
        cr_assert(found, "%s: no reduced run ends as %s", s->name, all.outcomes[i]);
    }
}

Test(deque_tso, the_reduction_leaves_out_no_outcome, .timeout = 60)
{
    naive_fenceless = "pop";
    assert_same_outcomes(&pop_vs_two_steals, &naive);
    assert_same_outcomes(&pop_vs_two_thieves, &naive);
    assert_same_outcomes(&last_item, &real);
    assert_same_outcomes(&push_vs_steals, &real);
}

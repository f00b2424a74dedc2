// The timer list and the sleep future of timer.h.
#include "timer.h"

#include "cpu.h"
#include "katomic.h"

void timer_list_init(struct timer_list *t, uint64_t (*now)(void), unsigned hz)
{
    *t = (struct timer_list){.now = now, .hz = hz};
}

// region: timer_list_expire
void timer_list_expire(struct timer_list *t, uint64_t now)
{
    for (unsigned i = 0; i < TIMER_ENTRIES; i++) {
        struct timer_entry *e = &t->entries[i];
        // exercise: 5.2 begin
        if (katomic_load(&e->armed, memory_order_relaxed) != TIMER_ARMED)
            continue;
        // Claim it: ARMED -> FIRING. Acquire: its deadline and waker are as
        // its sleep set them. Until we let go, a sleep that gives the entry
        // back (on another CPU) waits, so the entry cannot change under us.
        unsigned armed = TIMER_ARMED;
        if (!katomic_compare_exchange(&e->armed, &armed, TIMER_FIRING, memory_order_acquire,
                                      memory_order_relaxed))
            continue; // given back meanwhile
        if (e->deadline > now) {
            katomic_store(&e->armed, TIMER_ARMED, memory_order_relaxed); // not due: let go
            continue;
        }
        // Disarmed by the store below, after the wake: the sleep, polled
        // after it, sees the deadline passed and finishes; no later tick
        // wakes it again. Release: a sleep that sees the entry disarmed
        // knows we are done with its waker.
        atomic_waker_wake(&e->waker);
        katomic_store(&e->armed, TIMER_DISARMED, memory_order_release);
        // exercise: 5.2 end
    }
}
// endregion: timer_list_expire

unsigned timer_list_in_use(const struct timer_list *t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < TIMER_ENTRIES; i++)
        n += katomic_load(&t->entries[i].in_use, memory_order_relaxed);
    return n;
}

// A free entry, armed for `deadline`, or NULL when every entry is taken.
static struct timer_entry *take_entry(struct timer_list *t, uint64_t deadline)
{
    for (unsigned i = 0; i < TIMER_ENTRIES; i++) {
        struct timer_entry *e = &t->entries[i];
        // Taken by whoever swaps in_use from false (a sleep on each CPU may
        // be looking). Acquire: the sleep that gave it back is done with it.
        if (katomic_load(&e->in_use, memory_order_relaxed) ||
            katomic_exchange(&e->in_use, true, memory_order_acquire))
            continue;
        e->deadline = deadline;
        atomic_waker_init(&e->waker);
        // Release: the handler that sees it armed sees the deadline and waker.
        katomic_store(&e->armed, TIMER_ARMED, memory_order_release);
        return e;
    }
    return NULL;
}

static void give_back(struct sleep *s)
{
    struct timer_entry *e = s->entry;
    if (!e)
        return;
    // Disarmed first: from here on the handler leaves the entry alone, so the
    // waker can be dropped and the entry reused. If the handler is firing it
    // on another CPU right now, wait until it is done (a few instructions,
    // with that CPU's interrupts off); acquire: its wake is then over.
    unsigned armed = TIMER_ARMED;
    while (!katomic_compare_exchange(&e->armed, &armed, TIMER_DISARMED, memory_order_acquire,
                                     memory_order_acquire) &&
           armed != TIMER_DISARMED) {
        armed = TIMER_ARMED;
        cpu_relax();
    }
    atomic_waker_clear(&e->waker);
    katomic_store(&e->in_use, false, memory_order_release); // the next taker's acquire
    s->entry = NULL;
}

// region: sleep_poll
static enum poll sleep_poll(struct future *f, struct context *cx)
{
    struct sleep *self = CONTAINER_OF(f, struct sleep, base);
    // exercise: 5.3 begin
    if (self->timers->now() >= self->deadline) { // the fast path: no entry needed
        give_back(self);
        return POLL_READY;
    }
    if (!self->entry)
        self->entry = take_entry(self->timers, self->deadline);
    if (!self->entry) {
        // No entry free: poll again soon rather than never. Slow, not lost.
        katomic_fetch_add(&self->timers->full, 1, memory_order_relaxed);
        waker_wake_by_ref(cx->waker);
        return POLL_PENDING;
    }
    // Register, then check again: a tick between the check above and the
    // register found no waker, and only this second check sees it.
    atomic_waker_register(&self->entry->waker, cx->waker);
    if (self->timers->now() >= self->deadline) {
        give_back(self);
        return POLL_READY;
    }
    return POLL_PENDING;
    // exercise: 5.3 end
}
// endregion: sleep_poll

void sleep_ticks_init(struct sleep *s, struct timer_list *t, uint64_t ticks)
{
    future_init(&s->base, sleep_poll);
    s->timers = t;
    // The current tick has partly passed already: a deadline of now + ticks
    // could come after less than `ticks` periods. One more makes it never
    // early. (A sleep of 0 is ready at once.)
    s->deadline = t->now() + ticks + (ticks != 0);
    s->entry = NULL;
}

void sleep_ms_init(struct sleep *s, struct timer_list *t, uint64_t ms)
{
    sleep_ticks_init(s, t, (ms * t->hz + 999) / 1000);
}

void sleep_cancel(struct sleep *s) { give_back(s); }

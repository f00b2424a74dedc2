// The timer list and the sleep future of timer.h.
#include "timer.h"

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
        // Acquire: an armed entry's deadline and waker are as its sleep set them.
        if (!katomic_load(&e->armed, memory_order_acquire) || e->deadline > now)
            continue;
        // Disarmed before the wake: the sleep, polled after it, sees the
        // deadline passed and finishes; no later tick needs to wake it again.
        katomic_store(&e->armed, false, memory_order_relaxed);
        atomic_waker_wake(&e->waker);
        // exercise: 5.2 end
    }
}
// endregion: timer_list_expire

unsigned timer_list_in_use(const struct timer_list *t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < TIMER_ENTRIES; i++)
        n += t->entries[i].in_use;
    return n;
}

// A free entry, armed for `deadline`, or NULL when every entry is taken.
static struct timer_entry *take_entry(struct timer_list *t, uint64_t deadline)
{
    for (unsigned i = 0; i < TIMER_ENTRIES; i++) {
        struct timer_entry *e = &t->entries[i];
        if (e->in_use)
            continue;
        e->in_use = true;
        e->deadline = deadline;
        atomic_waker_init(&e->waker);
        // Release: the handler that sees it armed sees the deadline and waker.
        katomic_store(&e->armed, true, memory_order_release);
        return e;
    }
    return NULL;
}

static void give_back(struct sleep *s)
{
    if (!s->entry)
        return;
    // Disarmed first: from here on the handler leaves the entry alone, so the
    // waker can be dropped and the entry reused.
    katomic_store(&s->entry->armed, false, memory_order_release);
    atomic_waker_clear(&s->entry->waker);
    s->entry->in_use = false;
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
        self->timers->full++;
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

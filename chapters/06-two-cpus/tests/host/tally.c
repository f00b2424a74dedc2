// The counting test waker of tally.h.
#include "tally.h"

static struct tally counts;

static struct waker tally_clone(const void *data);
static void tally_wake(const void *data)
{
    (void)data;
    counts.wakes++;
}
static void tally_wake_by_ref(const void *data)
{
    (void)data;
    counts.wake_by_refs++;
}
static void tally_drop(const void *data)
{
    (void)data;
    counts.drops++;
}

static const struct waker_vtable tally_vtable = {
    .clone = tally_clone,
    .wake = tally_wake,
    .wake_by_ref = tally_wake_by_ref,
    .drop = tally_drop,
};

static struct waker tally_clone(const void *data)
{
    counts.clones++;
    return (struct waker){data, &tally_vtable};
}

struct waker tally_waker(void)
{
    counts = (struct tally){0};
    return (struct waker){&counts, &tally_vtable};
}

const struct tally *tally_counts(void) { return &counts; }

long tally_outstanding(void)
{
    return (long)counts.clones - (long)counts.wakes - (long)counts.drops;
}

bool tally_is(const struct waker *w) { return w->vtable == &tally_vtable && w->data == &counts; }

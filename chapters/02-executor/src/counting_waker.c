// The reference-counted counting waker of counting_waker.h.
#include "counting_waker.h"

#include "mem.h"

static struct waker counting_clone(const void *data);
static void counting_wake(const void *data);
static void counting_wake_by_ref(const void *data);
static void counting_drop(const void *data);

// region: counting_vtable
static const struct waker_vtable counting_vtable = {
    .clone = counting_clone,
    .wake = counting_wake,
    .wake_by_ref = counting_wake_by_ref,
    .drop = counting_drop,
};

// The waker only hands out const pointers; the block itself is ours to change.
static struct counting_waker *block(const void *data) { return (struct counting_waker *)data; }

static struct waker counting_clone(const void *data)
{
    // exercise: 1.2 begin
    block(data)->refs++;
    return (struct waker){data, &counting_vtable};
    // exercise: 1.2 end
}

static void counting_drop(const void *data)
{
    // exercise: 1.2 begin
    struct counting_waker *c = block(data);
    if (--c->refs == 0)
        kfree(c);
    // exercise: 1.2 end
}

static void counting_wake(const void *data)
{
    // exercise: 1.2 begin
    block(data)->wakes++;
    counting_drop(data); // wake consumes the waker: it is the waker's drop too
    // exercise: 1.2 end
}

static void counting_wake_by_ref(const void *data)
{
    // exercise: 1.2 begin
    block(data)->wakes++;
    // exercise: 1.2 end
}
// endregion: counting_vtable

bool counting_waker_create(struct waker *out)
{
    struct counting_waker *c = kmalloc(sizeof *c);
    if (!c)
        return false;
    *c = (struct counting_waker){.refs = 1};
    *out = (struct waker){c, &counting_vtable};
    return true;
}

struct counting_waker *counting_waker_get(const struct waker *w)
{
    return w->vtable == &counting_vtable ? block(w->data) : NULL;
}

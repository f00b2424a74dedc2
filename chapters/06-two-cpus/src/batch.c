// The compute batch of batch.h.
#include "batch.h"

#include "async.h"
#include "katomic.h"

void batch_init(struct batch *b, unsigned workers)
{
    atomic_init(&b->left, workers);
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
        atomic_init(&b->slices[cpu], 0);
    atomic_waker_init(&b->done);
}

// Work that never awaits: a xorshift generator, `iterations` steps.
static uint64_t compute(uint64_t x, unsigned long iterations)
{
    for (unsigned long i = 0; i < iterations; i++)
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
}

static enum poll batch_worker_poll(struct future *f, struct context *cx)
{
    struct batch_worker *self = CONTAINER_OF(f, struct batch_worker, base);
    ASYNC_BEGIN(self->resume);
    while (self->slices_left) {
        self->result = compute(self->result | 1, self->iterations);
        katomic_fetch_add(&self->batch->slices[cpu_index()], 1, memory_order_relaxed);
        if (--self->slices_left) {
            yield_now_init(&self->yield); // let the others run, then go on
            AWAIT(self->resume, &self->yield.base, cx);
        }
    }
    // The last one out wakes the waiter (after its count: the waiter
    // registers, then checks the count).
    if (katomic_fetch_sub(&self->batch->left, 1, memory_order_acq_rel) == 1)
        atomic_waker_wake(&self->batch->done);
    ASYNC_END(self->resume);
}

void batch_worker_init(struct batch_worker *w, struct batch *b, unsigned slices,
                       unsigned long iterations)
{
    *w = (struct batch_worker){.batch = b, .slices_left = slices, .iterations = iterations};
    future_init(&w->base, batch_worker_poll);
}

static enum poll batch_wait_poll(struct future *f, struct context *cx)
{
    struct batch_wait *self = CONTAINER_OF(f, struct batch_wait, base);
    if (katomic_load(&self->batch->left, memory_order_acquire) == 0)
        return POLL_READY;
    atomic_waker_register(&self->batch->done, cx->waker); // register, then check again
    return katomic_load(&self->batch->left, memory_order_acquire) == 0 ? POLL_READY : POLL_PENDING;
}

void batch_wait_init(struct batch_wait *w, struct batch *b)
{
    future_init(&w->base, batch_wait_poll);
    w->batch = b;
}

unsigned long batch_slices(struct batch *b, unsigned cpu)
{
    return katomic_load(&b->slices[cpu], memory_order_relaxed);
}

unsigned long batch_total_slices(struct batch *b)
{
    unsigned long n = 0;
    for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++)
        n += batch_slices(b, cpu);
    return n;
}

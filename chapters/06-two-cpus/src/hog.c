// The hog of hog.h.
#include "hog.h"

#include "async.h"

// Compute until `until` clock units have passed since `start`: the work of a
// task that never awaits (a checksum, a search, a decompression...).
static uint64_t compute(struct hog *self, uint64_t units)
{
    uint64_t start = self->clock(), x = self->result | 1;
    while (self->clock() - start < units)
        for (int i = 0; i < 64; i++)
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    self->result = x;
    return self->clock() - start;
}

// region: hog_poll
static enum poll hog_poll(struct future *f, struct context *cx)
{
    struct hog *self = CONTAINER_OF(f, struct hog, base);
    self->polls++;
    ASYNC_BEGIN(self->resume);
    while (self->done < self->work) {
        uint64_t left = self->work - self->done;
        self->done += compute(self, self->slice && self->slice < left ? self->slice : left);
        if (self->slice && self->done < self->work) {
            yield_now_init(&self->yield); // let the others run, then go on
            AWAIT(self->resume, &self->yield.base, cx);
        }
    }
    ASYNC_END(self->resume);
}
// endregion: hog_poll

void hog_init(struct hog *h, uint64_t (*clock)(void), uint64_t work, uint64_t slice)
{
    *h = (struct hog){.clock = clock, .work = work, .slice = slice, .resume = ASYNC_START};
    future_init(&h->base, hog_poll);
}

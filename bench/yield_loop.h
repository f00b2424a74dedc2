// The workload of the yield figures (simple_executor_yield, executor_yield,
// and Rust's blogos_executor_yield): one task that awaits yield_now YIELDS
// times. One op is one yield.
//
//     async void yield_loop(void) { for (i = 0; i < YIELDS; i++) await yield_now(); }
#pragma once

#include "async.h"
#include "yield.h"

#define YIELDS 1000

struct yield_loop {
    struct future base;
    int resume;
    int i;
    struct yield_now yield;
};

static enum poll yield_loop_poll(struct future *f, struct context *cx)
{
    struct yield_loop *self = CONTAINER_OF(f, struct yield_loop, base);
    ASYNC_BEGIN(self->resume);
    for (self->i = 0; self->i < YIELDS; self->i++) {
        yield_now_init(&self->yield);
        AWAIT(self->resume, &self->yield.base, cx);
    }
    ASYNC_END(self->resume);
}

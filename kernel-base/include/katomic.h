// Atomics that are interrupt points. Every access to data shared between an
// interrupt handler and task context goes through these, with its memory
// order spelled out. In the kernel they are plain C11 atomics (the interrupt
// point is empty); on the simulated CPU each one is first a point where a test
// can land an interrupt (simcpu_raise_at_point), so an exhaustive test can put
// an interrupt before every shared access of a protocol.
//
//     static _Atomic uint64_t ticks;
//     katomic_fetch_add(&ticks, 1, memory_order_relaxed);
//     uint64_t now = katomic_load(&ticks, memory_order_relaxed);
#pragma once

#include <stdatomic.h>

#include "cpu.h"

#define katomic_load(obj, order) (cpu_interrupt_point(), atomic_load_explicit(obj, order))
#define katomic_store(obj, value, order)                                                           \
    (cpu_interrupt_point(), atomic_store_explicit(obj, value, order))
#define katomic_exchange(obj, value, order)                                                        \
    (cpu_interrupt_point(), atomic_exchange_explicit(obj, value, order))
// Strong: fails only if *obj != *expected, and then stores *obj in *expected.
#define katomic_compare_exchange(obj, expected, desired, success, failure)                         \
    (cpu_interrupt_point(),                                                                        \
     atomic_compare_exchange_strong_explicit(obj, expected, desired, success, failure))
#define katomic_fetch_add(obj, value, order)                                                       \
    (cpu_interrupt_point(), atomic_fetch_add_explicit(obj, value, order))
#define katomic_fetch_sub(obj, value, order)                                                       \
    (cpu_interrupt_point(), atomic_fetch_sub_explicit(obj, value, order))
#define katomic_fetch_or(obj, value, order)                                                        \
    (cpu_interrupt_point(), atomic_fetch_or_explicit(obj, value, order))
#define katomic_fetch_and(obj, value, order)                                                       \
    (cpu_interrupt_point(), atomic_fetch_and_explicit(obj, value, order))

// Atomics that are interrupt points. Every access to data shared between an
// interrupt handler and task context goes through these, with its memory
// order spelled out:
//
//     static _Atomic uint64_t ticks;
//     katomic_fetch_add(&ticks, 1, memory_order_relaxed);
//     uint64_t now = katomic_load(&ticks, memory_order_relaxed);
//
// Three builds of the same calls:
// - host tests (the simulated CPU): C11 atomics, and interrupt points before
//   every access and after every store and read-modify-write, so that an
//   exhaustive test can land an interrupt between any two shared accesses;
// - SMP kernels, ThreadSanitizer programs: plain C11 atomics;
// - one-CPU kernels (KATOMIC_ONE_CPU, chapters 01-05): an interrupt only ever
//   comes between two instructions, so a read-modify-write that is one
//   instruction needs no lock prefix, and ordering is a matter for the
//   compiler alone (C11's atomic_signal_fence: an interrupt handler is to the
//   code it interrupts what a signal handler is to its thread). Linux does
//   the same on a uniprocessor, where its LOCK_PREFIX is empty. A lock prefix
//   costs some 20 cycles; these cost one or two.
#pragma once

#include <stdatomic.h>
#include <stdbool.h>

#include "cpu.h"

#ifndef KATOMIC_ONE_CPU

#define katomic_load(obj, order) (cpu_interrupt_point(), atomic_load_explicit(obj, order))
#define katomic_store(obj, value, order)                                                           \
    (cpu_interrupt_point(), atomic_store_explicit(obj, value, order), cpu_interrupt_point())
#define KATOMIC_RMW_(op)                                                                           \
    ({                                                                                             \
        cpu_interrupt_point();                                                                     \
        __auto_type katomic_result_ = op;                                                          \
        cpu_interrupt_point();                                                                     \
        katomic_result_;                                                                           \
    })
#define katomic_exchange(obj, value, order)                                                        \
    KATOMIC_RMW_(atomic_exchange_explicit(obj, value, order))
// Strong: fails only if *obj != *expected, and then stores *obj in *expected.
#define katomic_compare_exchange(obj, expected, desired, success, failure)                         \
    KATOMIC_RMW_(atomic_compare_exchange_strong_explicit(obj, expected, desired, success, failure))
#define katomic_fetch_add(obj, value, order)                                                       \
    KATOMIC_RMW_(atomic_fetch_add_explicit(obj, value, order))
#define katomic_fetch_sub(obj, value, order)                                                       \
    KATOMIC_RMW_(atomic_fetch_sub_explicit(obj, value, order))
#define katomic_fetch_or(obj, value, order)                                                        \
    KATOMIC_RMW_(atomic_fetch_or_explicit(obj, value, order))
#define katomic_fetch_and(obj, value, order)                                                       \
    KATOMIC_RMW_(atomic_fetch_and_explicit(obj, value, order))

#else // KATOMIC_ONE_CPU: x86 instructions without the lock prefix

// The object's type without _Atomic, and a plain pointer to it.
#define KATOMIC_TYPE_(obj)  __typeof__((void)0, *(obj))
#define KATOMIC_PLAIN_(obj) ((KATOMIC_TYPE_(obj) *)(obj))

#define katomic_load(obj, order)                                                                   \
    ({                                                                                             \
        KATOMIC_TYPE_(obj) katomic_load_v_ = atomic_load_explicit(obj, memory_order_relaxed);      \
        atomic_signal_fence(order);                                                                \
        katomic_load_v_;                                                                           \
    })
#define katomic_store(obj, value, order)                                                           \
    ({                                                                                             \
        atomic_signal_fence(order);                                                                \
        atomic_store_explicit(obj, value, memory_order_relaxed);                                   \
        atomic_signal_fence(order);                                                                \
    })
#define katomic_fetch_add(obj, value, order)                                                       \
    ({                                                                                             \
        (void)(order);                                                                             \
        KATOMIC_TYPE_(obj) katomic_add_v_ = (value);                                               \
        __asm__ volatile("xadd %0, %1"                                                             \
                         : "+r"(katomic_add_v_), "+m"(*KATOMIC_PLAIN_(obj))::"memory", "cc");      \
        katomic_add_v_;                                                                            \
    })
#define katomic_fetch_sub(obj, value, order)                                                       \
    katomic_fetch_add(obj, (KATOMIC_TYPE_(obj)) - (value), order)
#define katomic_compare_exchange(obj, expected, desired, success, failure)                         \
    ({                                                                                             \
        (void)(success), (void)(failure);                                                          \
        KATOMIC_TYPE_(obj) *katomic_e_ = (expected), katomic_d_ = (desired);                       \
        KATOMIC_TYPE_(obj) katomic_old_ = *katomic_e_;                                             \
        bool katomic_ok_;                                                                          \
        __asm__ volatile("cmpxchg %3, %1"                                                          \
                         : "+a"(katomic_old_), "+m"(*KATOMIC_PLAIN_(obj)), "=@ccz"(katomic_ok_)    \
                         : "r"(katomic_d_)                                                         \
                         : "memory");                                                              \
        if (!katomic_ok_)                                                                          \
            *katomic_e_ = katomic_old_;                                                            \
        katomic_ok_;                                                                               \
    })
// Exchange and the bit operations that return the old value: compare-exchange
// until no interrupt came between the read and the write (on one CPU, almost
// always the first time). xchg with memory would be one instruction, but it
// always locks the bus.
#define KATOMIC_UPDATE_(obj, op, value)                                                            \
    ({                                                                                             \
        KATOMIC_TYPE_(obj) katomic_o_ = atomic_load_explicit(obj, memory_order_relaxed);           \
        KATOMIC_TYPE_(obj) katomic_arg_ = (value);                                                 \
        while (!katomic_compare_exchange(obj, &katomic_o_, (KATOMIC_TYPE_(obj))(op), 0, 0))        \
            ;                                                                                      \
        katomic_o_;                                                                                \
    })
#define katomic_exchange(obj, value, order)  KATOMIC_UPDATE_(obj, katomic_arg_, value)
#define katomic_fetch_or(obj, value, order)  KATOMIC_UPDATE_(obj, katomic_o_ | katomic_arg_, value)
#define katomic_fetch_and(obj, value, order) KATOMIC_UPDATE_(obj, katomic_o_ &katomic_arg_, value)

#endif

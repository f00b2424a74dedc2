// Timers: sleep_ticks and sleep_ms, futures that a timer interrupt wakes.
// A sleep takes an entry of a fixed-capacity timer list when it is first
// polled; the timer's interrupt handler (the PIT's, every tick) wakes every
// entry whose deadline has come. Nothing here allocates or locks.
//
// Each entry carries an atomic waker (chapter 03's), and the sleep follows
// its contract: register the waker first, then check the clock. A tick that
// comes before the register is seen by the check; one that comes after it
// finds the waker. So no expiry is lost.
//
// On two CPUs, sleeps are polled on both, and the handler runs on CPU 0
// while a sleep on CPU 1 gives its entry back: two sleeps claim entries with
// an atomic exchange, and the handler claims an entry it fires (ARMED ->
// FIRING), so that a sleep giving it back waits until the handler is done
// with it (as Linux's del_timer_sync waits for a running timer).
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "atomic_waker.h"
#include "future.h"

#define TIMER_ENTRIES 64 // as many as there can be tasks: one sleep each

// region: timer_entry
#define TIMER_DISARMED 0
#define TIMER_ARMED    1 // the handler may fire it
#define TIMER_FIRING   2 // the handler is inside it: only the handler touches it

struct timer_entry {
    // ARMED (release) once deadline and waker are ready, DISARMED when the
    // sleep is done or dropped; the handler looks only at armed entries, and
    // claims one (acquire) before it reads it.
    _Atomic unsigned armed;
    _Atomic bool in_use; // taken by a sleep: claimed with an exchange
    uint64_t deadline;   // in ticks; written before armed is set, then only read
    struct atomic_waker waker;
};
// endregion: timer_entry

struct timer_list {
    struct timer_entry entries[TIMER_ENTRIES];
    uint64_t (*now)(void); // the tick counter (pit_ticks in the kernel)
    unsigned hz;           // ticks per second, for sleep_ms
    _Atomic uint32_t full; // sleeps that found no free entry
};

// An empty list over the tick counter `now`, which advances `hz` times a
// second. Task context, before the timer interrupt calls timer_list_expire.
void timer_list_init(struct timer_list *t, uint64_t (*now)(void), unsigned hz);

// Interrupt context: the timer's handler, once per tick, with the tick count
// it has just reached. Wakes every armed entry whose deadline is at or
// before `now`, and disarms it.
void timer_list_expire(struct timer_list *t, uint64_t now);

// Entries taken by sleeps that are not done (task context).
unsigned timer_list_in_use(const struct timer_list *t);

// region: sleep
struct sleep {
    struct future base;
    struct timer_list *timers;
    uint64_t deadline;         // ready once now() reaches it
    struct timer_entry *entry; // taken at the first pending poll, given back when done
};
// endregion: sleep

// Ready after at least `ticks` whole tick periods, and at most one more: now
// is somewhere inside a tick, so the deadline is the tick after ticks more
// (as Linux's msleep adds one). Never early; at most a tick late. A sleep of
// 0 ticks is ready at once.
void sleep_ticks_init(struct sleep *s, struct timer_list *t, uint64_t ticks);
// The same in milliseconds, rounded up to whole ticks.
void sleep_ms_init(struct sleep *s, struct timer_list *t, uint64_t ms);

// Give up a sleep that is not done: its entry is disarmed and freed. For the
// drop function of a task that is cancelled while it sleeps. Task context.
void sleep_cancel(struct sleep *s);

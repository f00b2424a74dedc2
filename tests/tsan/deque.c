// The work-stealing deque on real threads under ThreadSanitizer: an owner
// thread pushes and pops while 1, then 2, then 3 thieves steal, 10^7
// operations in all (every item pushed once and taken once). Afterwards:
// - every item was taken exactly once: a flag per item, set by whoever
//   takes it, must not be set already, and every flag is set at the end;
//   a checksum per taker adds up to the checksum of all items;
// - whoever took an item reads what the owner wrote for it before pushing
//   it, in plain memory (as a task's state is): TSan reports a race if the
//   deque's release and acquire do not order the two;
// - the race for the last item happened, and was counted: a lone thief
//   that gets DEQUE_RETRY lost the item it had read to the owner's pop
//   (nobody else moves top), and an owner's pop that saw one item and got
//   nothing lost it to a thief.
// The owner keeps the deque short (bursts of 1 to 4 pushes, then pops), so
// thieves and owner meet at the last few items all the time. That is also
// where a pop without its fence goes wrong on x86: its lowered bottom can
// still sit in the store buffer when it reads top, and a thief then takes
// an item the owner takes too. TSan does not model store buffers, and under
// it a steal is too slow to fit in that window, so tests/mutants.txt builds
// this program without the sanitizer to show it: the flags see the duplicate.
//
// tsan-sources: {chapter}/src/deque.c
// tsan-include: {chapter}/src kernel-base/include
// tsan-requires: {chapter}/src/deque.h
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu_threads.h"
#include "deque.h"

#define ITEMS_PER_ROUND 1666667u // 3 rounds of push + take: 10^7 operations
#define MAX_THIEVES     3
#define SHORT           8  // the owner pushes only while it sees fewer items: never full
#define WATCHDOG_S      50 // no progress for this long: a hang (a busy machine only slows it)

static struct deque dq;
static _Atomic uint8_t *taken; // per item: taken yet?
// Per item: what the owner writes before pushing it, plain memory as a
// task's state is. A thief reads it after stealing the item: push's release
// and steal's acquire of bottom must order the two, or TSan reports a race.
static uint64_t *payload;
static _Atomic bool owner_done;

struct taker {
    uint64_t items, checksum;
    uint64_t retries, lost_last; // thief: DEQUE_RETRY; owner: pops that lost the last item
};

// The n-th item's contribution to a checksum: not linear in n, so a
// duplicate and a loss do not cancel out.
static uint64_t mix(uint32_t n) { return (uint64_t)n * 0x9E3779B97F4A7C15ull >> 7; }

static void take(struct taker *who, uint32_t item, const char *how)
{
    if (payload[item] != mix(item)) {
        fprintf(stderr, "deque: item %u carries %016llx, not what was pushed with it\n", item,
                (unsigned long long)payload[item]);
        exit(1);
    }
    if (atomic_exchange_explicit(&taken[item], 1, memory_order_relaxed)) {
        fprintf(stderr, "deque: item %u taken twice (the second time by a %s)\n", item, how);
        exit(1);
    }
    who->items++;
    if (who->items % 4096 == 0)
        cpu_threads_progress();
    who->checksum += mix(item);
}

static void *thief(void *arg)
{
    struct taker *me = arg;
    unsigned empty = 0;
    for (;;) {
        uint32_t item;
        switch (deque_steal(&dq, &item)) {
        case DEQUE_STOLEN:
            take(me, item, "steal");
            empty = 0;
            break;
        case DEQUE_RETRY: me->retries++; break;
        case DEQUE_EMPTY:
            if (atomic_load_explicit(&owner_done, memory_order_acquire) && deque_is_empty(&dq))
                return NULL;
            // Let the owner run: there may be fewer cores than threads, and
            // a thief that spins on an empty deque only slows the run down.
            if (++empty % 4 == 0)
                sched_yield();
            break;
        }
    }
}

// Bursts of pushes, then as many pops, so the deque stays a few items long.
static void owner(struct taker *me, uint32_t first, uint32_t count)
{
    uint32_t next = first, end = first + count, rng = first | 1;
    while (next < end || !deque_is_empty(&dq)) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        // White box: the length as the owner sees it (top may be stale).
        int64_t seen = atomic_load(&dq.bottom) - atomic_load(&dq.top);
        for (unsigned burst = 1 + rng % 4; burst && next < end && seen < SHORT; burst--, seen++) {
            payload[next] = mix(next);
            if (deque_push(&dq, next))
                next++;
        }
        for (unsigned pops = 1 + (rng >> 8) % 4; pops; pops--) {
            seen = atomic_load(&dq.bottom) - atomic_load(&dq.top);
            uint32_t item;
            if (deque_pop(&dq, &item))
                take(me, item, "pop");
            else if (seen == 1)
                me->lost_last++;
        }
    }
}

// One round: the owner and `thieves` thieves, items first .. first + count - 1.
// Adds what they took to *total; returns the RETRYs of a lone thief.
static uint64_t round_of(unsigned thieves, uint32_t first, struct taker *total)
{
    struct taker owner_side = {0}, thief_side[MAX_THIEVES] = {{0}};
    pthread_t t[MAX_THIEVES];
    atomic_store(&owner_done, false);
    for (unsigned i = 0; i < thieves; i++)
        pthread_create(&t[i], NULL, thief, &thief_side[i]);
    owner(&owner_side, first, ITEMS_PER_ROUND);
    atomic_store_explicit(&owner_done, true, memory_order_release);
    struct taker stolen = {0};
    for (unsigned i = 0; i < thieves; i++) {
        pthread_join(t[i], NULL);
        stolen.items += thief_side[i].items;
        stolen.checksum += thief_side[i].checksum;
        stolen.retries += thief_side[i].retries;
    }
    total->items += owner_side.items + stolen.items;
    total->checksum += owner_side.checksum + stolen.checksum;
    total->retries += stolen.retries;
    total->lost_last += owner_side.lost_last;
    printf("deque: %u thie%s: %llu stolen, %llu popped; %llu steals got RETRY, %llu pops found "
           "one item and lost it\n",
           thieves, thieves == 1 ? "f" : "ves", (unsigned long long)stolen.items,
           (unsigned long long)owner_side.items, (unsigned long long)stolen.retries,
           (unsigned long long)owner_side.lost_last);
    return thieves == 1 ? stolen.retries : 0;
}

int main(void)
{
    cpu_threads_watchdog("deque", WATCHDOG_S);
    uint32_t items = 3 * ITEMS_PER_ROUND;
    taken = calloc(items + 1, sizeof *taken);
    payload = calloc(items + 1, sizeof *payload);
    deque_init(&dq);
    struct taker total = {0};
    uint64_t owner_won = 0; // last items the owner's pop won from a lone thief
    for (unsigned thieves = 1; thieves <= MAX_THIEVES; thieves++)
        owner_won += round_of(thieves, 1 + (thieves - 1) * ITEMS_PER_ROUND, &total);

    uint64_t checksum = 0, missing = 0;
    for (uint32_t i = 1; i <= items; i++) {
        checksum += mix(i);
        missing += !atomic_load(&taken[i]);
    }
    free((void *)taken);
    free(payload);
    if (missing || total.items != items || total.checksum != checksum) {
        fprintf(stderr,
                "deque: %llu of %u items never taken; %llu taken; checksum %016llx, "
                "want %016llx\n",
                (unsigned long long)missing, items, (unsigned long long)total.items,
                (unsigned long long)total.checksum, (unsigned long long)checksum);
        return 1;
    }
    if (!owner_won || !total.lost_last || deque_overflows(&dq)) {
        fprintf(stderr,
                "deque: the race for the last item was not seen both ways (owner won "
                "%llu, lost %llu), or the deque overflowed (%u)\n",
                (unsigned long long)owner_won, (unsigned long long)total.lost_last,
                deque_overflows(&dq));
        return 1;
    }
    printf("deque: %u items pushed and taken exactly once (%u operations), checksum %016llx; "
           "the last item raced for: won by the owner against a lone thief %llu times, lost "
           "by the owner %llu times\n",
           items, 2 * items, (unsigned long long)checksum, (unsigned long long)owner_won,
           (unsigned long long)total.lost_last);
    return 0;
}

// join: a future that is ready when both of two futures are: the two make
// progress in turn, inside one poll of the join.
#pragma once

#include <stdbool.h>

#include "future.h"

// region: join
struct join {
    struct future base;
    struct future *first, *second; // borrowed: must outlive the join, and stay put
    bool first_ready, second_ready;
};
// endregion: join

// The outputs stay in the two futures; read them there once the join is ready.
// Polling the join polls each unfinished one with the join's own context, so
// whichever wakes, it wakes whoever polls the join.
void join_init(struct join *j, struct future *first, struct future *second);

// A task: one future, moved onto the heap once and polled there until it is
// ready. Nothing moves it after that, so a future that points into itself
// stays valid: the task pins its future by construction.
#pragma once

#include <stdalign.h>
#include <stddef.h>

#include "future.h"

// region: task
struct task {
    void (*drop)(struct future *future); // frees what the future owns; may be NULL
    alignas(16) unsigned char future[];  // the future itself, moved in by task_new
};
// endregion: task

// Moves the fresh future (never polled: polling pins it where it is) of
// `size` bytes into a new task, with `drop` to call when it is freed.
// Returns NULL, having allocated nothing, if memory runs out. Task context.
struct task *task_new(const struct future *future, size_t size, void (*drop)(struct future *));

static inline struct future *task_future(struct task *task)
{
    return (struct future *)task->future;
}

// Frees the task: first what its future owns (drop), then the task and the
// future in it. Task context.
void task_free(struct task *task);

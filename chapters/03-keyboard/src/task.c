// Tasks on the heap, and the intrusive FIFO that queues them.
#include "task.h"

#include "kstring.h"
#include "mem.h"
#include "panic.h"

struct task *task_new(const struct future *future, size_t size, void (*drop)(struct future *))
{
    if (future->polled_at)
        panic("task_new: the future at %p was already polled, so it must not move "
              "(spawn a fresh one)",
              (const void *)future);
    // exercise: 2.1 begin
    struct task *task = kmalloc(sizeof *task + size);
    if (!task)
        return NULL;
    task->next = NULL;
    task->drop = drop;
    // The one and only move of this future; it is never polled before it.
    memcpy(task->future, future, size);
    return task;
    // exercise: 2.1 end
}

void task_free(struct task *task)
{
    if (task->drop)
        task->drop(task_future(task));
    kfree(task);
}

void task_queue_push(struct task_queue *q, struct task *task)
{
    task->next = NULL;
    if (q->tail)
        q->tail->next = task;
    else
        q->head = task;
    q->tail = task;
}

struct task *task_queue_pop(struct task_queue *q)
{
    struct task *task = q->head;
    if (!task)
        return NULL;
    q->head = task->next;
    if (!q->head)
        q->tail = NULL;
    task->next = NULL;
    return task;
}

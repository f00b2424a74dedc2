// The ready queue of ready_queue.h: a ring of slot numbers, each push and pop
// a few instructions with interrupts disabled.
#include "ready_queue.h"

#include "cpu.h"

void ready_queue_init(struct ready_queue *q) { *q = (struct ready_queue){0}; }

bool ready_queue_push(struct ready_queue *q, uint8_t slot)
{
    bool was_enabled = cpu_interrupts_save_disable();
    bool pushed = q->tail - q->head < READY_QUEUE_CAPACITY;
    if (pushed)
        q->slots[q->tail++ % READY_QUEUE_CAPACITY] = slot;
    else
        q->overflows++;
    cpu_interrupts_restore(was_enabled);
    return pushed;
}

bool ready_queue_pop(struct ready_queue *q, uint8_t *slot)
{
    bool was_enabled = cpu_interrupts_save_disable();
    bool popped = q->head != q->tail;
    if (popped)
        *slot = q->slots[q->head++ % READY_QUEUE_CAPACITY];
    cpu_interrupts_restore(was_enabled);
    return popped;
}

bool ready_queue_is_empty(const struct ready_queue *q)
{
    bool was_enabled = cpu_interrupts_save_disable();
    bool empty = q->head == q->tail;
    cpu_interrupts_restore(was_enabled);
    return empty;
}

uint32_t ready_queue_length(const struct ready_queue *q)
{
    bool was_enabled = cpu_interrupts_save_disable();
    uint32_t n = q->tail - q->head;
    cpu_interrupts_restore(was_enabled);
    return n;
}

uint32_t ready_queue_overflows(const struct ready_queue *q)
{
    bool was_enabled = cpu_interrupts_save_disable();
    uint32_t n = q->overflows;
    cpu_interrupts_restore(was_enabled);
    return n;
}

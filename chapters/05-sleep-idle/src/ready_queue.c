// The ready queue of ready_queue.h: a ring of slot numbers, its memory
// orders those of chapter 03's byte ring.
#include "ready_queue.h"

#include "katomic.h"

void ready_queue_init(struct ready_queue *q) { *q = (struct ready_queue){0}; }

// inline: where the program is linked with link-time optimisation (make
// bench), the wake that calls it can take it in, call and all.
inline bool ready_queue_push(struct ready_queue *q, uint8_t slot)
{
    uint32_t tail = katomic_load(&q->tail, memory_order_relaxed); // the pushers' own
    // Acquire: the pop that gave a slot back is done reading it.
    if (tail - katomic_load(&q->head, memory_order_acquire) < READY_QUEUE_CAPACITY) {
        q->slots[tail % READY_QUEUE_CAPACITY] = slot;
        katomic_store(&q->tail, tail + 1, memory_order_release); // publishes the slot
        return true;
    }
    katomic_fetch_add(&q->overflows, 1, memory_order_relaxed);
    return false;
}

bool ready_queue_pop(struct ready_queue *q, uint8_t *slot)
{
    uint32_t head = katomic_load(&q->head, memory_order_relaxed); // the executor's own
    if (head == katomic_load(&q->tail, memory_order_acquire))     // sees what a push published
        return false;
    *slot = q->slots[head % READY_QUEUE_CAPACITY];
    katomic_store(&q->head, head + 1, memory_order_release); // the slot read, it goes back
    return true;
}

uint32_t ready_queue_length(const struct ready_queue *q)
{
    uint32_t head = katomic_load(&q->head, memory_order_relaxed);
    return katomic_load(&q->tail, memory_order_acquire) - head;
}

bool ready_queue_is_empty(const struct ready_queue *q) { return ready_queue_length(q) == 0; }

uint32_t ready_queue_overflows(const struct ready_queue *q)
{
    return katomic_load(&q->overflows, memory_order_relaxed);
}

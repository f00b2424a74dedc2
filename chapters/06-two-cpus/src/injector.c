// The injector of injector.h: chapter 05's ring of slot numbers, each push
// and pop under the ticket lock.
#include "injector.h"

#include "katomic.h"

void injector_init(struct injector *q) { *q = (struct injector){0}; }

// region: injector_push
bool injector_push(struct injector *q, uint8_t slot)
{
    bool was_enabled = spin_lock_irqsave(&q->lock);
    uint32_t tail = katomic_load(&q->tail, memory_order_relaxed);
    bool room = tail - katomic_load(&q->head, memory_order_relaxed) < INJECTOR_CAPACITY;
    if (room) {
        q->slots[tail % INJECTOR_CAPACITY] = slot;
        // Release: a CPU that sees the new tail without the lock (a look
        // before sleeping) and then takes the lock finds the slot written.
        katomic_store(&q->tail, tail + 1, memory_order_release);
    }
    spin_unlock_irqrestore(&q->lock, was_enabled);
    if (!room)
        katomic_fetch_add(&q->overflows, 1, memory_order_relaxed);
    return room;
}
// endregion: injector_push

// region: injector_pop
bool injector_pop(struct injector *q, uint8_t *slot)
{
    bool was_enabled = spin_lock_irqsave(&q->lock);
    uint32_t head = katomic_load(&q->head, memory_order_relaxed);
    bool any = head != katomic_load(&q->tail, memory_order_relaxed);
    if (any) {
        *slot = q->slots[head % INJECTOR_CAPACITY];
        katomic_store(&q->head, head + 1, memory_order_relaxed);
    }
    spin_unlock_irqrestore(&q->lock, was_enabled);
    return any;
}
// endregion: injector_pop

uint32_t injector_length(const struct injector *q)
{
    uint32_t head = katomic_load(&q->head, memory_order_relaxed);
    return katomic_load(&q->tail, memory_order_acquire) - head;
}

bool injector_is_empty(const struct injector *q) { return injector_length(q) == 0; }

uint32_t injector_overflows(const struct injector *q)
{
    return katomic_load(&q->overflows, memory_order_relaxed);
}

// The self-referential spell future of spell.h.
#include "spell.h"

static enum poll spell_poll(struct future *f, struct context *cx)
{
    struct spell *self = CONTAINER_OF(f, struct spell, base);
    // The body starts running at the first poll, and that is when the pointer
    // into the struct is made: until then the future may be moved freely.
    if (!self->cursor)
        self->cursor = self->buf;
    if (*self->next && self->cursor < self->buf + SPELL_MAX) {
        *self->cursor++ = *self->next++;
        *self->cursor = '\0';
        waker_wake_by_ref(cx->waker); // a yield: more letters, poll again
        return POLL_PENDING;
    }
    return POLL_READY;
}

void spell_init(struct spell *s, const char *word)
{
    future_init(&s->base, spell_poll);
    s->next = word;
    s->cursor = NULL;
    s->buf[0] = '\0';
}

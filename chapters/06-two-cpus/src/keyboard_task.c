// The keyboard task of keyboard_task.h.
#include "keyboard_task.h"

#include "async.h"
#include "kprintf.h"

// region: echo_key
static void echo_key(struct keyboard_task *self, uint8_t byte)
{
    struct key_event ev;
    enum scancode_status status = scancode_decoder_feed(&self->decoder, byte, &ev);
    if (status == SCANCODE_UNKNOWN) {
        kprintf("\nkeyboard: unknown scancode");
        for (unsigned i = 0; i < ev.nbytes; i++)
            kprintf(" %#x", ev.bytes[i]);
        kprintf(" ignored\n");
    } else if (status == SCANCODE_ERROR) {
        kprintf("\nkeyboard: error byte %#x from the keyboard (keys may have been lost)\n", byte);
    } else if (status == SCANCODE_KEY && ev.pressed && !scancode_key_modifier(ev.key)) {
        if (ev.codepoint && ev.codepoint < 0x80)
            kprintf("%c", (char)ev.codepoint);
        else
            kprintf("[%s]", scancode_key_name(ev.key));
        if (self->on_key)
            self->on_key(&ev, self->on_key_arg);
    } // else a prefix, a release, a modifier, or an answer to a command never sent
}
// endregion: echo_key

// region: keyboard_task_poll
static enum poll keyboard_task_poll(struct future *f, struct context *cx)
{
    struct keyboard_task *self = CONTAINER_OF(f, struct keyboard_task, base);
    ASYNC_BEGIN(self->resume);
    self->scancodes = irq_stream_open(self->source);
    for (;;) {
        stream_next_init(&self->next, self->scancodes);
        AWAIT(self->resume, &self->next.base, cx);
        if (self->next.ended)
            break; // a keyboard stream never ends, but a stream may
        uint32_t dropped = irq_stream_dropped(self->source); // while the task could not run
        if (dropped != self->drops_reported)
            kprintf("\nkeyboard: %u scancodes dropped\n", dropped - self->drops_reported);
        self->drops_reported = dropped;
        echo_key(self, self->next.item);
    }
    ASYNC_END(self->resume);
}
// endregion: keyboard_task_poll

void keyboard_task_init(struct keyboard_task *t, struct irq_stream *source,
                        void (*on_key)(const struct key_event *ev, void *arg), void *arg)
{
    *t = (struct keyboard_task){
        .source = source, .resume = ASYNC_START, .on_key = on_key, .on_key_arg = arg};
    future_init(&t->base, keyboard_task_poll);
    scancode_decoder_init(&t->decoder);
}

// The serial echo task of serial_echo.h.
#include "serial_echo.h"

#include "async.h"
#include "kprintf.h"

static void echo_byte(uint8_t byte)
{
    if (byte == '\r' || byte == '\n')
        kprintf("\n");
    else if (byte == 0x7F || byte == '\b')
        kprintf("\b");
    else if (byte >= ' ' && byte < 0x7F)
        kprintf("%c", (char)byte);
    else
        kprintf("<%#04x>", byte);
}

static enum poll serial_echo_poll(struct future *f, struct context *cx)
{
    struct serial_echo *self = CONTAINER_OF(f, struct serial_echo, base);
    ASYNC_BEGIN(self->resume);
    self->bytes = irq_stream_open(self->source);
    kprintf("%s: echoing what it receives\n", self->source->device);
    for (;;) {
        stream_next_init(&self->next, self->bytes);
        AWAIT(self->resume, &self->next.base, cx);
        if (self->next.ended)
            break;
        echo_byte(self->next.item);
        if (self->on_byte)
            self->on_byte(self->on_byte_arg);
    }
    ASYNC_END(self->resume);
}

void serial_echo_init(struct serial_echo *t, struct irq_stream *source, void (*on_byte)(void *arg),
                      void *arg)
{
    *t = (struct serial_echo){
        .source = source, .resume = ASYNC_START, .on_byte = on_byte, .on_byte_arg = arg};
    future_init(&t->base, serial_echo_poll);
}

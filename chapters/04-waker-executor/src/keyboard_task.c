// The keyboard task of keyboard_task.h.
#include "keyboard_task.h"

#include "async.h"
#include "cpu.h"
#include "kprintf.h"

// Drops happen while the task cannot run; it says so once, the next time it
// gets a byte, with the total since the last report.
static void report_drops(struct keyboard_task *self)
{
    struct irq_stream_stats stats = irq_stream_stats(self->source);
    uint32_t dropped = stats.dropped_before_open + stats.dropped_full;
    if (dropped != self->drops_reported) {
        kprintf("\n%s: %u scancodes dropped\n", self->source->device,
                (unsigned)(dropped - self->drops_reported));
        self->drops_reported = dropped;
    }
}

// What it cost to wait for this key: how often the task was polled, against
// the scancodes that arrived and the wakes the stream delivered for them. An
// executor that polls only woken tasks polls once per wake.
static void show_cost(struct keyboard_task *self)
{
    uint32_t wakes = irq_stream_stats(self->source).wakes_delivered;
    self->keys++;
    if (self->report_keys)
        kprintf("bench: key polls=%lu scancodes=%lu wakes=%u latency_tsc=%lu\n",
                self->polls - self->at_last_key.polls,
                self->scancodes - self->at_last_key.scancodes,
                (unsigned)(wakes - self->at_last_key.wakes),
                (unsigned long)(cpu_rdtsc() - self->report_keys()));
    kstatus("keyboard task: %lu polls for the last key (%lu scancodes, %u wakes); %lu keys",
            self->polls - self->at_last_key.polls, self->scancodes - self->at_last_key.scancodes,
            (unsigned)(wakes - self->at_last_key.wakes), self->keys);
    self->at_last_key.polls = self->polls;
    self->at_last_key.scancodes = self->scancodes;
    self->at_last_key.wakes = wakes;
}

// After Enter, the same figures for the whole line, on every console.
static void report_line(struct keyboard_task *self)
{
    kprintf("keyboard: %lu polls for %lu scancodes since the last line\n",
            self->polls - self->at_last_line.polls, self->scancodes - self->at_last_line.scancodes);
    self->at_last_line = self->at_last_key;
}

// region: echo_key
static void echo_key(struct keyboard_task *self, uint8_t byte)
{
    struct key_event ev;
    switch (scancode_decoder_feed(&self->decoder, byte, &ev)) {
    case SCANCODE_KEY:
        if (!ev.pressed || scancode_key_modifier(ev.key))
            return;
        if (ev.codepoint && ev.codepoint < 0x80)
            kprintf("%c", (char)ev.codepoint);
        else
            kprintf("[%s]", scancode_key_name(ev.key));
        show_cost(self);
        if (ev.codepoint == '\n')
            report_line(self);
        if (self->on_key)
            self->on_key(&ev, self->on_key_arg);
        return;
    case SCANCODE_UNKNOWN:
        kprintf("\nkeyboard: unknown scancode");
        for (unsigned i = 0; i < ev.nbytes; i++)
            kprintf(" %#x", ev.bytes[i]);
        kprintf(" ignored\n");
        return;
    case SCANCODE_ERROR:
        kprintf("\nkeyboard: error byte %#x from the keyboard (keys may have been lost)\n", byte);
        return;
    case SCANCODE_NONE:
    case SCANCODE_ACK:
    case SCANCODE_RESEND:
    case SCANCODE_ECHO: return; // answers to commands this kernel never sends
    }
}
// endregion: echo_key

// region: keyboard_task_poll
static enum poll keyboard_task_poll(struct future *f, struct context *cx)
{
    struct keyboard_task *self = CONTAINER_OF(f, struct keyboard_task, base);
    self->polls++;
    ASYNC_BEGIN(self->resume);
    self->stream = irq_stream_open(self->source);
    if (self->report_keys)
        kprintf("bench: ready\n");
    for (;;) {
        stream_next_init(&self->next, self->stream);
        AWAIT(self->resume, &self->next.base, cx);
        if (self->next.ended)
            break; // a keyboard stream never ends, but a stream may
        self->scancodes++;
        report_drops(self);
        echo_key(self, self->next.item);
    }
    ASYNC_END(self->resume);
}
// endregion: keyboard_task_poll

void keyboard_task_init(struct keyboard_task *t, struct irq_stream *source)
{
    *t = (struct keyboard_task){.source = source, .resume = ASYNC_START};
    future_init(&t->base, keyboard_task_poll);
    scancode_decoder_init(&t->decoder);
}

void keyboard_task_on_key(struct keyboard_task *t,
                          void (*on_key)(const struct key_event *ev, void *arg), void *arg)
{
    t->on_key = on_key;
    t->on_key_arg = arg;
}

void keyboard_task_report_keys(struct keyboard_task *t, uint64_t (*key_irq_tsc)(void))
{
    t->report_keys = key_irq_tsc;
}

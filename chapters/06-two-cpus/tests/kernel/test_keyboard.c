// The whole path in the kernel: bytes typed on the emulated PS/2 keyboard
// (i8042 command 0xD2) raise IRQ 1, whose handler pushes them into an
// irq_stream; a task gets them in order through poll_next.
#include "console.h"
#include "irq_stream.h"
#include "katomic.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "ktest.h"
#include "trace.h"

// A stream can be opened once, so each test has its own, behind the hook.
static uint8_t in_order_buffer[16], flood_buffer[16];
static struct irq_stream in_order = IRQ_STREAM_INIT("in order", in_order_buffer);
static struct irq_stream flood_stream = IRQ_STREAM_INIT("flood", flood_buffer);
// Which stream the hook feeds: set by a test, read by the IRQ handler.
static struct irq_stream *_Atomic hooked;
static void push_hooked(uint8_t byte)
{
    irq_stream_push(katomic_load(&hooked, memory_order_acquire), byte);
}

static struct stream *open_hooked(struct irq_stream *s)
{
    struct stream *opened = irq_stream_open(s);
    katomic_store(&hooked, s, memory_order_release);
    keyboard_set_hook(push_hooked);
    return opened;
}

// Poll with the waker that does nothing, as the simple executor would.
static enum stream_poll next_byte(struct stream *s, uint8_t *byte)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    return stream_poll_next(s, &cx, byte);
}

KTEST(scancodes_arrive_in_order_through_irq1_the_ring_and_the_stream)
{
    struct stream *s = open_hooked(&in_order);
    uint8_t byte;
    KTEST_ASSERT_EQ(next_byte(s, &byte), STREAM_PENDING); // registers the waker
    static const uint8_t bytes[] = {0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x2A, 0x10, 0x90, 0xAA};
    ktest_type(bytes, sizeof bytes);
    for (unsigned i = 0; i < sizeof bytes; i++) {
        KTEST_ASSERT_EQ(next_byte(s, &byte), STREAM_ITEM);
        KTEST_ASSERT_EQ(byte, bytes[i]);
    }
    KTEST_ASSERT_EQ(next_byte(s, &byte), STREAM_PENDING);
    KTEST_ASSERT_EQ(irq_stream_dropped(&in_order), 0);
}

KTEST(a_flood_is_dropped_and_counted_exactly_and_the_next_key_gets_through)
{
    struct stream *s = open_hooked(&flood_stream);
    uint8_t flood[40];
    for (unsigned i = 0; i < sizeof flood; i++)
        flood[i] = (uint8_t)(0x02 + i % 10); // the digit keys' make codes
    // Nobody pops while the keys come in: the task cannot run.
    ktest_type(flood, sizeof flood);
    KTEST_ASSERT_EQ(irq_stream_dropped(&flood_stream), sizeof flood - sizeof flood_buffer);
    uint8_t byte;
    for (unsigned i = 0; i < sizeof flood_buffer; i++) {
        KTEST_ASSERT_EQ(next_byte(s, &byte), STREAM_ITEM);
        KTEST_ASSERT_EQ(byte, flood[i]); // the oldest ones were kept
    }
    KTEST_ASSERT_EQ(next_byte(s, &byte), STREAM_PENDING);
    static const uint8_t after[] = {0x1E};
    ktest_type(after, 1);
    KTEST_ASSERT_EQ(next_byte(s, &byte), STREAM_ITEM);
    KTEST_ASSERT_EQ(byte, 0x1E);
}

// The keyboard task echoes what is typed, reports an unknown sequence with its
// bytes, and reports a flood's drops once; the status line, made by the trace
// layer after each key, shows the polls.
static uint8_t echo_buffer[16];
static struct irq_stream echo_keyboard = IRQ_STREAM_INIT("keyboard", echo_buffer);
static void push_echo(uint8_t byte) { irq_stream_push(&echo_keyboard, byte); }
static void report_key(const struct key_event *ev, void *arg)
{
    (void)ev;
    (void)arg;
    trace_key_report();
}

KTEST(the_keyboard_task_echoes_keys_and_reports_drops)
{
    console_clear();
    trace_watch_stream(&echo_keyboard.base, "keyboard task");
    struct keyboard_task task;
    keyboard_task_init(&task, &echo_keyboard, report_key, NULL);
    struct waker w = waker_noop();
    struct context cx = {&w};
    KTEST_ASSERT_EQ(future_poll(&task.base, &cx), POLL_PENDING);   // opens the stream
    static const uint8_t hello[] = {0x23, 0xA3, 0x17, 0x97,        // h i
                                    0xE0, 0x5F,                    // not a key
                                    0x2A, 0x1E, 0x9E, 0xAA, 0x3B}; // A, F1
    keyboard_set_hook(push_echo);
    ktest_type(hello, sizeof hello);
    for (int i = 0; i < 100; i++)
        KTEST_ASSERT_EQ(future_poll(&task.base, &cx), POLL_PENDING);
    KTEST_ASSERT(ktest_screen_contains("hi"));
    KTEST_ASSERT(ktest_screen_contains("keyboard: unknown scancode 0xe0 0x5f ignored"));
    KTEST_ASSERT(ktest_screen_contains("A[F1]"));
    KTEST_ASSERT(ktest_screen_contains("keyboard task: "));
    KTEST_ASSERT(ktest_screen_contains(" polls for the last key"));

    uint8_t flood[30];
    for (unsigned i = 0; i < sizeof flood; i++)
        flood[i] = i % 2 ? 0x9E : 0x1E; // a, pressed and released
    ktest_type(flood, sizeof flood);
    for (int i = 0; i < 100; i++)
        KTEST_ASSERT_EQ(future_poll(&task.base, &cx), POLL_PENDING);
    KTEST_ASSERT(ktest_screen_contains("keyboard: 14 scancodes dropped"));
    KTEST_ASSERT(ktest_screen_contains("aaaaaaaa")); // the 16 kept: 8 presses
    keyboard_set_hook(NULL);
}

KTEST_PANICS(a_second_open_is_refused, "irq_stream twice: opened twice")
{
    static uint8_t buffer[8];
    static struct irq_stream twice = IRQ_STREAM_INIT("twice", buffer);
    irq_stream_open(&twice);
    irq_stream_open(&twice);
}

// Chapter 03's kernel: the keyboard's and the serial port's interrupts push
// bytes into streams, and tasks on the simple executor await them. The
// executor still polls every task all the time: the status line shows how
// often the keyboard task was polled for each key.
#include "bench_keys.h"
#include "boot.h"
#include "console.h"
#include "example.h"
#include "irq_stream.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "panic.h"
#include "serial.h"
#include "serial_echo.h"
#include "simple_executor.h"
#include "trace.h"
#include "yield.h"

// region: streams
// The rings' storage is static, and so are the streams: a closed stream needs
// no code to run, so the handlers may fire before kmain gets here.
static uint8_t keyboard_buffer[128];
static struct irq_stream keyboard = IRQ_STREAM_INIT("keyboard", keyboard_buffer);
static uint8_t serial_buffer[256];
static struct irq_stream serial = IRQ_STREAM_INIT("serial", serial_buffer);

// Interrupt context: hand the byte over and return. No decoding, no printing.
static void keyboard_byte(uint8_t scancode) { irq_stream_push(&keyboard, scancode); }
static void serial_byte(uint8_t byte) { irq_stream_push(&serial, byte); }
// endregion: streams

// After every key: what it cost, on the status line (trace.c counts).
static void show_key_cost(const struct key_event *ev, void *arg)
{
    (void)ev;
    (void)arg;
    trace_key_report();
}

static void show_byte_cost(void *arg)
{
    (void)arg;
    if (console_status_on_serial())
        trace_key_report();
}

// SIMPLE_EXECUTOR_SPAWN takes the size from the future variable itself.
#define SPAWN(ex, fut)                                                                             \
    do {                                                                                           \
        if (!SIMPLE_EXECUTOR_SPAWN(ex, fut, NULL))                                                 \
            panic("out of memory spawning a task");                                                \
    } while (0)

void kmain(void)
{
    kprintf("Chapter 03: interrupts feed async streams\n");
    keyboard_set_hook(bench_keys_booted() ? bench_keys_timed(keyboard_byte) : keyboard_byte);
    serial_set_receive_hook(serial_byte);

    struct simple_executor ex;
    simple_executor_init(&ex);
    struct example_task example;
    example_task_init(&example);
    SPAWN(&ex, &example);
    simple_executor_run(&ex);

    struct talker a, b;
    talker_init(&a, "A", 3);
    talker_init(&b, "B", 3);
    SPAWN(&ex, &a);
    SPAWN(&ex, &b);
    kprintf("two tasks taking turns:");
    simple_executor_run(&ex);
    kprintf("\n");

    // region: kmain_tasks
    struct keyboard_task keys;
    struct serial_echo echo;
    // What typing costs: the keyboard task's polls, or, when nobody sees the
    // screen (make run HEADLESS=1: typing arrives on serial), the serial task's.
    if (console_status_on_serial())
        trace_watch_stream(&serial.base, "serial task");
    else
        trace_watch_stream(&keyboard.base, "keyboard task");
    keyboard_task_init(&keys, &keyboard, show_key_cost, NULL);
    if (bench_keys_booted()) { // `make bench`: the kernel types keys, and times each
        trace_bench_keys(bench_keys_last_press);
        bench_keys_start(NULL);
        kprintf("bench: ready\n");
    }
    serial_echo_init(&echo, &serial, show_byte_cost, NULL);
    SPAWN(&ex, &keys);
    SPAWN(&ex, &echo);
    kprintf("Type on the keyboard, or in the serial terminal.\n");
    simple_executor_run(&ex); // the tasks never finish: this never returns
    // endregion: kmain_tasks
}

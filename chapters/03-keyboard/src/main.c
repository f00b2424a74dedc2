// Chapter 03's kernel: the keyboard's and the serial port's interrupts push
// bytes into streams, and tasks on the simple executor await them. The
// executor still polls every task all the time: the status line shows how
// often the keyboard task was polled for each key.
#include "boot.h"
#include "katomic.h"
#include "cpu.h"
#include "boot_info.h"
#include "example.h"
#include "irq_stream.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "panic.h"
#include "pit.h"
#include "serial.h"
#include "serial_echo.h"
#include "simple_executor.h"
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

// Booted with `bench` (make bench), the handler also notes when each key went
// down, for the task to report the key's latency.
static _Atomic uint64_t key_irq_tsc;
static void keyboard_byte_timed(uint8_t scancode)
{
    if (!(scancode & 0x80)) // a make code: a key pressed
        katomic_store(&key_irq_tsc, cpu_rdtsc(), memory_order_relaxed);
    keyboard_byte(scancode);
}
static uint64_t last_key_irq_tsc(void) { return katomic_load(&key_irq_tsc, memory_order_relaxed); }
static bool bench_mode(void)
{
    char value[4];
    return boot_cmdline_value("bench", value, sizeof value) != NULL;
}

// And the kernel types the keys itself, from the timer interrupt: `a` down
// every BENCH_KEY_TICKS ticks, up halfway between. Keys typed at ticks of the
// guest's clock come at the same guest instruction in every run under make
// bench's -icount, so each run measures the same keys. (keyboard_inject waits
// for the i8042 to take the byte: QEMU takes it at once, so it never spins.)
#define BENCH_KEY_TICKS 4
static void bench_tick(uint64_t ticks)
{
    if (ticks % BENCH_KEY_TICKS == 0)
        keyboard_inject(0x1E); // a pressed
    else if (ticks % BENCH_KEY_TICKS == BENCH_KEY_TICKS / 2)
        keyboard_inject(0x9E); // a released
}

// Before the keyboard task is spawned (spawning copies it).
static void bench_start(struct keyboard_task *keys)
{
    keyboard_task_report_keys(keys, last_key_irq_tsc);
    pit_set_hook(bench_tick);
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
    keyboard_set_hook(bench_mode() ? keyboard_byte_timed : keyboard_byte);
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
    keyboard_task_init(&keys, &keyboard);
    if (bench_mode())
        bench_start(&keys); // `make bench` types keys and measures each
    serial_echo_init(&echo, &serial);
    SPAWN(&ex, &keys);
    SPAWN(&ex, &echo);
    kprintf("Type on the keyboard, or in the serial terminal.\n");
    simple_executor_run(&ex); // the tasks never finish: this never returns
    // endregion: kmain_tasks
}

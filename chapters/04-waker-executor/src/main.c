// Chapter 04's kernel: the same tasks as chapter 03, on an executor that
// polls a task only after its waker was woken. The keyboard task is now
// polled once per scancode; the CPU still spins, checking an empty queue.
#include "bench_keys.h"
#include "boot.h"
#include "console.h"
#include "example.h"
#include "executor.h"
#include "fault_report.h"
#include "irq_stream.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "kprintf.h"
#include "panic.h"
#include "serial.h"
#include "serial_echo.h"
#include "trace.h"
#include "yield.h"

// The rings' storage is static, and so are the streams: a closed stream needs
// no code to run, so the handlers may fire before kmain gets here.
static uint8_t keyboard_buffer[128];
static struct irq_stream keyboard = IRQ_STREAM_INIT("keyboard", keyboard_buffer);
static uint8_t serial_buffer[256];
static struct irq_stream serial = IRQ_STREAM_INIT("serial", serial_buffer);

// Interrupt context: hand the byte over and return. The push wakes the
// task's waker, which now really queues the task.
static void keyboard_byte(uint8_t scancode) { irq_stream_push(&keyboard, scancode); }

static void serial_byte(uint8_t byte) { irq_stream_push(&serial, byte); }

// region: spawn
static void spawn_task(struct executor *ex, const struct future *f, size_t size)
{
    switch (executor_spawn(ex, f, size, NULL, NULL)) {
    case EXECUTOR_SPAWNED: return;
    case EXECUTOR_TABLE_FULL: panic("the task table is full (%d tasks)", EXECUTOR_MAX_TASKS);
    case EXECUTOR_NO_MEMORY: panic("out of memory spawning a task");
    }
}
// endregion: spawn

// The size comes from the future variable itself, as EXECUTOR_SPAWN's does.
#define SPAWN(ex, fut) spawn_task(ex, &(fut)->base, sizeof *(fut))

// region: executor_status
// After every key, what the executor did: every wake, and the stale ones (for
// tasks that had ended), on the status line above the keyboard task's.
static void show_executor(const struct key_event *ev, void *arg)
{
    (void)ev;
    const struct executor *ex = arg;
    struct trace_executor_counts c = trace_executor_counts();
    trace_key_report();
    kstatus_at(1, "executor: %lu polls, %lu wakes, %lu stale wakes, %lu tasks done, %u alive",
               c.polls, c.wakes, c.stale_wakes, c.ended, executor_task_count(ex));
}
// endregion: executor_status

static void show_executor_after_byte(void *arg)
{
    if (console_status_on_serial())
        show_executor(NULL, arg);
}

void kmain(void)
{
    kprintf("Chapter 04: an executor that polls only woken tasks\n");
    keyboard_set_hook(bench_keys_booted() ? bench_keys_timed(keyboard_byte) : keyboard_byte);
    serial_set_receive_hook(serial_byte);

    static struct executor ex; // 64 slots and a queue: too big for the stack's taste
    executor_init(&ex);
    fault_report_install(&ex);
    struct example_task example;
    example_task_init(&example);
    SPAWN(&ex, &example);
    executor_run_until_idle(&ex);

    // region: kmain_talkers
    struct talker a, b;
    talker_init(&a, "A", 3);
    talker_init(&b, "B", 3);
    SPAWN(&ex, &a);
    SPAWN(&ex, &b);
    kprintf("two tasks taking turns:");
    kprintf(" (%lu polls)\n", executor_run_until_idle(&ex));
    // endregion: kmain_talkers

    struct keyboard_task keys;
    struct serial_echo echo;
    // What typing costs: the keyboard task's polls, or, when nobody sees the
    // screen (make run HEADLESS=1: typing arrives on serial), the serial task's.
    if (console_status_on_serial())
        trace_watch_stream(&serial.base, "serial task");
    else
        trace_watch_stream(&keyboard.base, "keyboard task");
    keyboard_task_init(&keys, &keyboard, show_executor, &ex);
    if (bench_keys_booted()) { // `make bench`: the kernel types keys, and times each
        trace_bench_keys(bench_keys_last_press);
        bench_keys_start(NULL);
        kprintf("bench: ready\n");
    }
    serial_echo_init(&echo, &serial, show_executor_after_byte, &ex);
    SPAWN(&ex, &keys);
    SPAWN(&ex, &echo);
    kprintf("Type on the keyboard, or in the serial terminal.\n");
    executor_run(&ex); // the tasks never finish; the loop spins when none is ready
}

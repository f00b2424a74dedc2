// The waker executor in the kernel: keys typed on the emulated keyboard wake
// the keyboard task through IRQ 1, and the task is polled once per burst of
// scancodes, not once per spin of the loop.
#include "console.h"
#include "executor.h"
#include "irq_stream.h"
#include "keyboard.h"
#include "keyboard_task.h"
#include "ktest.h"
#include "mem.h"
#include "trace.h"
#include "yield.h"

static struct executor ex;

static uint8_t keys_buffer[16];
static struct irq_stream keys = IRQ_STREAM_INIT("keyboard", keys_buffer);
static void push_key(uint8_t byte) { irq_stream_push(&keys, byte); }
static void report_key(const struct key_event *ev, void *arg)
{
    (void)ev;
    (void)arg;
    trace_key_report();
}

KTEST(the_keyboard_task_is_polled_once_per_burst_of_scancodes)
{
    console_clear();
    executor_init(&ex, 1, NULL);
    trace_watch_stream(&keys.base, "keyboard task");
    struct keyboard_task task;
    keyboard_task_init(&task, &keys, report_key, NULL);
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &task, NULL, NULL), EXECUTOR_SPAWNED);
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 1); // opens the stream, then waits
    keyboard_set_hook(push_key);
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 0); // nothing woke it: not polled

    static const uint8_t one[] = {0x1E}; // a
    ktest_type(one, sizeof one);
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 1);
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 0);

    static const uint8_t burst[] = {0x9E, 0x30, 0xB0, 0x2E, 0xAE}; // a up, b, c
    ktest_type(burst, sizeof burst);
    // Five bytes, one poll: the first byte's wake queues the task, the other
    // four find its waker already taken (and the task queued).
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 1);
    KTEST_ASSERT(ktest_screen_contains("abc"));

    // A flood while the task cannot run: drops counted exactly, then the
    // task goes on and the next key gets through.
    uint8_t flood[40];
    for (unsigned i = 0; i < sizeof flood; i++)
        flood[i] = i % 2 ? 0xA0 : 0x20; // d, pressed and released
    ktest_type(flood, sizeof flood);
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 1);
    KTEST_ASSERT_EQ(irq_stream_dropped(&keys), sizeof flood - sizeof keys_buffer);
    KTEST_ASSERT(ktest_screen_contains("keyboard: 24 scancodes dropped"));
    KTEST_ASSERT(ktest_screen_contains("dddddddd"));   // the 16 kept: 8 presses
    static const uint8_t after[] = {0x12, 0x92}; // e
    ktest_type(after, sizeof after);
    KTEST_ASSERT(executor_run_ready_tasks(&ex) >= 1);
    KTEST_ASSERT(ktest_screen_contains("dde"));
    KTEST_ASSERT(ktest_screen_contains("keyboard task: 1 polls for the last key"));
    KTEST_ASSERT_EQ(injector_overflows(&ex.injector) + deque_overflows(&ex.cpus[0].ready), 0);
    keyboard_set_hook(NULL);
}

KTEST(tasks_live_on_the_kernel_heap_and_are_freed)
{
    struct mem_stats before = mem_stats();
    executor_init(&ex, 1, NULL);
    for (int i = 0; i < EXECUTOR_MAX_TASKS; i++) {
        struct yield_now y;
        yield_now_init(&y);
        KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &y, NULL, NULL), EXECUTOR_SPAWNED);
    }
    struct yield_now extra;
    yield_now_init(&extra);
    KTEST_ASSERT_EQ(EXECUTOR_SPAWN(&ex, &extra, NULL, NULL), EXECUTOR_TABLE_FULL);
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + EXECUTOR_MAX_TASKS);
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), EXECUTOR_MAX_TASKS); // each yields
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), EXECUTOR_MAX_TASKS); // and is done
    KTEST_ASSERT_EQ(executor_run_ready_tasks(&ex), 0);
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
}

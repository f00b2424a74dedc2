// kernel-base's QEMU tests: what only a real (emulated) machine can show.
#include <stdatomic.h>
#include <stdint.h>

#include "bench_keys.h"
#include "boot.h"
#include "console.h"
#include "demo.h"
#include "cpu.h"
#include "interrupts.h"
#include "keyboard.h"
#include "kprintf.h"
#include "ksyms.h"
#include "kstring.h"
#include "ktest.h"
#include "mem.h"
#include "pit.h"

KTEST(boot_reaches_long_mode)
{
    uint64_t efer_low, efer_high, cr0;
    __asm__ volatile("rdmsr" : "=a"(efer_low), "=d"(efer_high) : "c"(0xC0000080));
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    KTEST_ASSERT(efer_low & (1 << 10)); // LMA: long mode active
    KTEST_ASSERT(cr0 & (1ul << 31));    // paging on
    KTEST_ASSERT(cpu_interrupts_enabled());
}

static char cell_char(unsigned row, unsigned column)
{
    return (char)(vga_cell(row, column) & 0xFF);
}

KTEST(kprintf_reaches_vga)
{
    console_clear();
    kprintf("vga %d %s\n", 42, "ok");
    const char *expected = "vga 42 ok";
    for (unsigned i = 0; expected[i]; i++)
        KTEST_ASSERT_EQ(cell_char(0, i), expected[i]);
    KTEST_ASSERT_EQ(vga_cursor_row(), 1);
    KTEST_ASSERT_EQ(vga_cursor_column(), 0);
}

KTEST(vga_colours_and_scrolling)
{
    console_clear();
    console_set_color(VGA_YELLOW, VGA_BLUE);
    kprintf("first\n");
    console_set_color(VGA_LIGHT_GREY, VGA_BLACK);
    KTEST_ASSERT_EQ(vga_cell(0, 0) >> 8, VGA_YELLOW | VGA_BLUE << 4);
    for (int i = 0; i < VGA_SHOWN_ROWS; i++)
        kprintf("line %d\n", i);
    // 25 lines printed on the 24 rows the kernel writes, the cursor on a new
    // 26th line: two scrolls, so "line 1" is now on top.
    KTEST_ASSERT_EQ(cell_char(0, 5), '1');
    KTEST_ASSERT_EQ(vga_cursor_row(), VGA_SHOWN_ROWS - 1);
}

KTEST(int3_returns_and_continues)
{
    uint64_t before = interrupts_count(3);
    __asm__ volatile("int3");
    KTEST_ASSERT_EQ(interrupts_count(3), before + 1);
}

KTEST_PANICS(page_fault_reports_cr2, "CR2 0xdead0000")
{
    *(volatile uint64_t *)0xdead0000ul = 1; // beyond the mapped first GiB
}

KTEST_PANICS(null_dereference_is_a_page_fault, "CR2 0x0 (page not present, read)")
{
    (void)*(volatile uint64_t *)0;
}

// Each frame holds a buffer the compiler cannot drop, so the recursion walks
// down into the guard page below the stack long before the limit.
static unsigned recurse(unsigned depth)
{
    volatile char buffer[512];
    buffer[0] = (char)depth;
    if (depth == 1u << 30)
        return 0;
    return recurse(depth + 1) + buffer[0];
}

KTEST_PANICS(stack_overflow_is_a_double_fault, "Double Fault: kernel stack overflow")
{
    kprintf("%u\n", recurse(0));
}

KTEST_PANICS(divide_error_is_reported, "Divide Error (vector 0")
{
    // In asm: the compiler would turn a C division into a comparison.
    __asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; xor %%ecx, %%ecx; div %%ecx" ::
                         : "eax", "ecx", "edx");
}

KTEST(heap_many_small)
{
    struct mem_stats before = mem_stats();
    enum { N = 1000 };
    static uint64_t *blocks[N];
    for (int i = 0; i < N; i++) {
        blocks[i] = kmalloc(24);
        KTEST_ASSERT(blocks[i] && (uintptr_t)blocks[i] % 16 == 0);
        blocks[i][0] = i;
        blocks[i][2] = ~(uint64_t)i;
    }
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations + N);
    for (int i = 0; i < N; i++) {
        KTEST_ASSERT_EQ(blocks[i][0], i);
        KTEST_ASSERT(blocks[i][2] == ~(uint64_t)i);
        kfree(blocks[i]);
    }
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
    KTEST_ASSERT_EQ(mem_stats().bytes_in_use, before.bytes_in_use);
}

KTEST(heap_one_large)
{
    size_t size = 16 << 20;
    uint8_t *p = kmalloc(size);
    KTEST_ASSERT(p);
    for (size_t i = 0; i < size; i += 4096)
        p[i] = (uint8_t)i;
    p[size - 1] = 7;
    KTEST_ASSERT_EQ(p[size - 1], 7);
    kfree(p);
}

KTEST(heap_reuses_freed_memory)
{
    void *a = kmalloc(100);
    kfree(a);
    void *b = kmalloc(100);
    KTEST_ASSERT(a == b);
    kfree(b);
}

KTEST(heap_exhaustion_returns_null)
{
    struct mem_stats before = mem_stats();
    KTEST_ASSERT(kmalloc((size_t)1 << 40) == 0);
    // Take the whole heap in 1 MiB blocks until it says no, then give it back.
    enum { MAX = 4096 };
    static void *blocks[MAX];
    int n = 0;
    while (n < MAX && (blocks[n] = kmalloc(1 << 20)))
        n++;
    KTEST_ASSERT(n > 8 && n < MAX);
    KTEST_ASSERT(kmalloc(1 << 20) == 0);
    for (int i = 0; i < n; i++)
        kfree(blocks[i]);
    KTEST_ASSERT_EQ(mem_stats().live_allocations, before.live_allocations);
    void *again = kmalloc(1 << 20);
    KTEST_ASSERT(again); // freed blocks merged back
    kfree(again);
}

KTEST_PANICS(double_free_is_caught, "not a live heap block")
{
    void *p = kmalloc(32);
    kfree(p);
    kfree(p);
}

static bool ticks_reached(void *target) { return pit_ticks() >= *(uint64_t *)target; }

KTEST(pit_ticks_advance)
{
    uint64_t target = pit_ticks() + 5;
    KTEST_ASSERT(ktest_wait_until(ticks_reached, &target, 100));
    KTEST_ASSERT_EQ(pit_hz(), 100);
}

static uint8_t received[16];
static _Atomic unsigned received_count;

static void record_byte(uint8_t byte)
{
    unsigned i = atomic_load(&received_count);
    if (i < sizeof received)
        received[i] = byte;
    atomic_store(&received_count, i + 1);
}

KTEST(keyboard_bytes_arrive_in_order_through_irq1)
{
    static const uint8_t bytes[] = {0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x2A, 0x10};
    keyboard_hook old = keyboard_set_hook(record_byte);
    uint64_t irqs = interrupts_count(IRQ_BASE + IRQ_KEYBOARD);
    ktest_type(bytes, sizeof bytes);
    keyboard_set_hook(old);
    KTEST_ASSERT_EQ(atomic_load(&received_count), sizeof bytes);
    for (unsigned i = 0; i < sizeof bytes; i++)
        KTEST_ASSERT_EQ(received[i], bytes[i]);
    KTEST_ASSERT_EQ(interrupts_count(IRQ_BASE + IRQ_KEYBOARD), irqs + sizeof bytes);
}

// make bench's typist: `a` down at every BENCH_KEYS_TICKS-th tick and up
// halfway between, each press timed, and the kernel's own tick hook kept.
static _Atomic unsigned bench_presses, bench_releases, bench_chained_ticks;
static _Atomic uint64_t bench_press_tick;
static void count_bench_key(uint8_t byte)
{
    if (byte == 0x1E) {
        atomic_store(&bench_press_tick, pit_ticks());
        atomic_fetch_add(&bench_presses, 1);
    } else if (byte == 0x9E) {
        atomic_fetch_add(&bench_releases, 1);
    }
}
static void count_tick(uint64_t ticks)
{
    (void)ticks;
    atomic_fetch_add(&bench_chained_ticks, 1);
}
static bool two_presses(void *arg)
{
    (void)arg;
    return atomic_load(&bench_presses) >= 2;
}

KTEST_ICOUNT(bench_keys_types_a_key_every_few_ticks_and_times_each_press)
{
    keyboard_hook old_key = keyboard_set_hook(bench_keys_timed(count_bench_key));
    pit_hook old_tick = pit_set_hook(NULL);
    uint64_t before = bench_keys_last_press();
    bench_keys_start(count_tick);
    bool typed = ktest_wait_until(two_presses, NULL, 3 * BENCH_KEYS_TICKS);
    pit_set_hook(old_tick);
    keyboard_set_hook(old_key);
    KTEST_ASSERT(typed);
    KTEST_ASSERT(atomic_load(&bench_releases) >= 1);
    KTEST_ASSERT_EQ(atomic_load(&bench_press_tick) % BENCH_KEYS_TICKS, 0);
    KTEST_ASSERT(bench_keys_last_press() > before);
    KTEST_ASSERT(atomic_load(&bench_chained_ticks) >= BENCH_KEYS_TICKS);
}

static void allocating_hook(uint8_t byte)
{
    (void)byte;
    kfree(kmalloc(8)); // forbidden in interrupt context
}

KTEST_PANICS(kmalloc_in_interrupt_context_is_caught, "kmalloc(8) in interrupt context")
{
    keyboard_set_hook(allocating_hook);
    keyboard_inject(0x1E);
    for (;;)
        cpu_halt();
}

// The base demo decodes in the IRQ handler: typed keys appear on screen, and
// an unknown scancode is reported without upsetting the keys after it.
KTEST(demo_echoes_keys_and_reports_unknown_scancodes)
{
    static const uint8_t bytes[] = {0x23, 0xA3, 0x17, 0x97,  // h i
                                    0xE0, 0x5F,              // not a key
                                    0x2A, 0x1E, 0x9E, 0xAA}; // Shift+a
    console_clear();
    keyboard_hook old = keyboard_set_hook(demo_echo_key);
    ktest_type(bytes, sizeof bytes);
    keyboard_set_hook(old);
    KTEST_ASSERT(ktest_screen_contains("hi"));
    KTEST_ASSERT(ktest_screen_contains("keyboard: unknown scancode 0xe0 0x5f ignored"));
    KTEST_ASSERT(ktest_screen_contains("A"));
}

KTEST(string_functions)
{
    char buf[32] = "0123456789";
    memmove(buf + 2, buf, 8); // overlapping, forwards
    KTEST_ASSERT(memcmp(buf, "0101234567", 10) == 0);
    memmove(buf, buf + 2, 8); // overlapping, backwards
    KTEST_ASSERT(memcmp(buf, "0123456767", 10) == 0);
    memset(buf, 'x', 4);
    KTEST_ASSERT(memcmp(buf, "xxxx456767", 10) == 0);
    memcpy(buf + 20, "abc", 4);
    KTEST_ASSERT_EQ(strlen(buf + 20), 3);
    KTEST_ASSERT(memcmp("abd", "abc", 3) > 0);
    KTEST_ASSERT(memcmp("abc", "abd", 3) < 0);
}

KTEST(status_line_stays_put_while_text_scrolls)
{
    console_clear();
    console_status(0, "status: all well");
    console_status(1, "second: also well");
    for (int i = 0; i < 2 * VGA_ROWS; i++)
        kprintf("line %d\n", i);
    const char *expected = "status: all well";
    for (unsigned i = 0; expected[i]; i++)
        KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 1, i), expected[i]);
    KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 1, 40), ' ');
    KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 2, 0), 's');
    KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 2, 1), 'e');
    KTEST_ASSERT_EQ(vga_cursor_row(), VGA_SHOWN_ROWS - 3);  // text stops above them
    KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 4, 5), '4'); // "line 49" just above the cursor
    KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 4, 6), '9');
    for (unsigned i = 0; i < VGA_COLUMNS; i++) // the 25th row, which curses cuts, stays blank
        KTEST_ASSERT_EQ(cell_char(VGA_ROWS - 1, i), ' ');
    console_status(0, NULL);
    KTEST_ASSERT_EQ(cell_char(VGA_SHOWN_ROWS - 1, 0), ' ');
}

KTEST(the_kernel_knows_its_functions_by_name)
{
    uintptr_t offset = 1;
    const char *name = ksyms_name((uintptr_t)pit_ticks, &offset);
    KTEST_ASSERT(memcmp(name, "pit_ticks", 10) == 0);
    KTEST_ASSERT_EQ(offset, 0);
    name = ksyms_name((uintptr_t)kmalloc + 3, &offset);
    KTEST_ASSERT(memcmp(name, "kmalloc", 8) == 0);
    KTEST_ASSERT_EQ(offset, 3);
    KTEST_ASSERT(memcmp(ksyms_name(0x10, NULL), "?", 2) == 0);
}

static size_t describe_test(char *buf, size_t size)
{
    return (size_t)ksnprintf(buf, size, "while testing");
}

KTEST_PANICS(a_panic_says_what_was_going_on, "test panic (while testing)")
{
    panic_set_context(describe_test);
    panic("test panic");
}

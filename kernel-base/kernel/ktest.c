// The in-kernel test runner: walks the `ktests` section that KTEST fills.
#include "ktest.h"

#include "console.h"
#include "cpu.h"
#include "interrupts.h"
#include "io.h"
#include "katomic.h"
#include "keyboard.h"
#include "kprintf.h"
#include "pit.h"

extern const struct ktest __start_ktests[], __stop_ktests[]; // linker.ld

// The section between the two linker symbols holds the tests as an array.
static size_t ktest_count(void)
{
    return ((uintptr_t)__stop_ktests - (uintptr_t)__start_ktests) / sizeof(struct ktest);
}

// Set by the runner in task context; read by panic, which may run in an
// interrupt handler, on any CPU: atomics. Relaxed: nothing else hangs on
// them (a test's struct is constant data).
static _Atomic bool active; // in test mode: every panic ends the run with a verdict
static const struct ktest *_Atomic current;

bool ktest_running(void) { return katomic_load(&active, memory_order_relaxed); }

bool ktest_wait_until(bool (*done)(void *arg), void *arg, uint64_t max_ticks)
{
    uint64_t deadline = pit_ticks() + max_ticks;
    // Check with interrupts off, then sti; hlt in one step: an interrupt that
    // makes done() true after the check is still pending at the sti and ends
    // the hlt at once. A plain `while (!done()) hlt();` could sleep through it.
    cpu_interrupts_disable();
    bool ok;
    while (!(ok = done(arg)) && pit_ticks() < deadline) {
        cpu_enable_and_halt();
        cpu_interrupts_disable();
    }
    cpu_interrupts_enable();
    return ok;
}

bool ktest_screen_contains(const char *text)
{
    for (unsigned row = 0; row < VGA_ROWS; row++)
        for (unsigned col = 0; col < VGA_COLUMNS; col++) {
            unsigned i = 0;
            while (text[i] && col + i < VGA_COLUMNS &&
                   (char)(vga_cell(row, col + i) & 0xFF) == text[i])
                i++;
            if (!text[i])
                return true;
        }
    return false;
}

static bool keyboard_irq_since(void *count)
{
    return interrupts_count(IRQ_BASE + IRQ_KEYBOARD) != *(uint64_t *)count;
}

void ktest_type(const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t irqs = interrupts_count(IRQ_BASE + IRQ_KEYBOARD);
        keyboard_inject(bytes[i]);
        if (!ktest_wait_until(keyboard_irq_since, &irqs, 50))
            panic("ktest_type: byte %u (%#x) raised no IRQ 1 within 50 ticks", i, bytes[i]);
    }
}

void ktest_qemu_exit(unsigned code)
{
    outl(0xF4, code);
    for (;;) {
        cpu_interrupts_disable();
        cpu_halt();
    }
}

static bool contains(const char *haystack, const char *needle)
{
    for (; *haystack; haystack++) {
        const char *h = haystack, *n = needle;
        while (*n && *h == *n)
            h++, n++;
        if (!*n)
            return true;
    }
    return !*needle;
}

static bool names_equal(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void ktest_panicked(const char *message)
{
    const struct ktest *t = katomic_exchange(&current, NULL, memory_order_relaxed);
    if (!t) {
        kprintf("ktest: panic outside any test\n");
        ktest_qemu_exit(KTEST_EXIT_FAILURE);
    }
    if (t->expected_panic && contains(message, t->expected_panic)) {
        kprintf("%s ... ok (panicked as expected)\n", t->name);
        ktest_qemu_exit(KTEST_EXIT_SUCCESS);
    }
    kprintf("\n%s ... FAILED\n", t->name);
    ktest_qemu_exit(KTEST_EXIT_FAILURE);
}

static void run_one(const struct ktest *t)
{
    kprintf("%s ... ", t->name);
    uint64_t written = console_written();
    katomic_store(&current, t, memory_order_relaxed);
    t->run();
    katomic_store(&current, NULL, memory_order_relaxed);
    // If the test printed, start a fresh line so the verdict stands alone.
    if (console_written() != written)
        kprintf("\n%s ... ", t->name);
    if (t->expected_panic) {
        kprintf("FAILED (expected a panic containing \"%s\")\n", t->expected_panic);
        ktest_qemu_exit(KTEST_EXIT_FAILURE);
    }
    kprintf("ok\n");
}

// The tests that need a boot of their own: those that panic, or those that
// need -icount. The driver (tools/qemu-test.py) reads this line.
static void list_tests(const char *kind, bool panics)
{
    kprintf("ktest: %s tests:", kind);
    for (size_t i = 0; i < ktest_count(); i++)
        if (panics ? __start_ktests[i].expected_panic != NULL : __start_ktests[i].icount)
            kprintf(" %s", __start_ktests[i].name);
    kprintf("\n");
}

void ktest_main(const char *name)
{
    unsigned passed = 0;
    katomic_store(&active, true, memory_order_relaxed);
    if (*name) {
        for (size_t i = 0; i < ktest_count(); i++)
            if (names_equal(__start_ktests[i].name, name)) {
                run_one(&__start_ktests[i]);
                ktest_qemu_exit(KTEST_EXIT_SUCCESS);
            }
        kprintf("ktest: no test named \"%s\"\n", name);
        ktest_qemu_exit(KTEST_EXIT_FAILURE);
    }
    list_tests("panic", true);
    list_tests("icount", false);
    for (size_t i = 0; i < ktest_count(); i++)
        if (!__start_ktests[i].expected_panic && !__start_ktests[i].icount) {
            run_one(&__start_ktests[i]);
            passed++;
        }
    kprintf("ktest: %u passed, 0 failed\n", passed);
    ktest_qemu_exit(KTEST_EXIT_SUCCESS);
}

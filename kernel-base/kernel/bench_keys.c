// The keys of bench_keys.h.
#include "bench_keys.h"

#include "boot_info.h"
#include "cpu.h"
#include "katomic.h"

#define SCANCODE_A_PRESSED  0x1E
#define SCANCODE_A_RELEASED 0x9E

bool bench_keys_booted(void)
{
    char value[4];
    return boot_cmdline_value("bench", value, sizeof value) != NULL;
}

// Published before the hooks that read them are installed (release there,
// acquire in the IRQ), and written by the IRQ or task context alone.
static _Atomic(keyboard_hook) inner_hook;
static _Atomic(pit_hook) tick_hook;
static _Atomic uint64_t last_press;

static void timed(uint8_t scancode)
{
    if (!(scancode & 0x80)) // a make code: a key pressed
        katomic_store(&last_press, cpu_rdtsc(), memory_order_relaxed);
    katomic_load(&inner_hook, memory_order_relaxed)(scancode);
}

keyboard_hook bench_keys_timed(keyboard_hook inner)
{
    katomic_store(&inner_hook, inner, memory_order_relaxed);
    return timed;
}

uint64_t bench_keys_last_press(void) { return katomic_load(&last_press, memory_order_relaxed); }

// keyboard_inject waits for the i8042 to take the byte: QEMU takes it at
// once, so in interrupt context it never spins.
static void type_at_tick(uint64_t ticks)
{
    pit_hook tick = katomic_load(&tick_hook, memory_order_relaxed);
    if (tick)
        tick(ticks);
    if (ticks % BENCH_KEYS_TICKS == 0)
        keyboard_inject(SCANCODE_A_PRESSED);
    else if (ticks % BENCH_KEYS_TICKS == BENCH_KEYS_TICKS / 2)
        keyboard_inject(SCANCODE_A_RELEASED);
}

void bench_keys_start(pit_hook tick)
{
    katomic_store(&tick_hook, tick, memory_order_relaxed);
    pit_set_hook(type_at_tick);
}

// kernel-base on two CPUs (make -C kernel-base run SMP=1). Each CPU reports
// in from its own ap_main; then CPU 0 shows, once a second, every CPU's timer
// ticks and IPIs, and the keys typed, on a status line. What arrives on the
// serial port is echoed with the CPU that took its interrupt: always CPU 0.
#include "boot.h"
#include "console.h"
#include "cpu.h"
#include "katomic.h"
#include "keyboard.h"
#include "kprintf.h"
#include "lapic.h"
#include "pit.h"
#include "serial.h"
#include "smp.h"

// Counted by interrupt handlers, read by kmain: relaxed atomics, except the
// serial byte, published by its count (release) and read after it (acquire).
static _Atomic unsigned reported, keys[CPUS_MAX], serial_bytes;
static _Atomic uint8_t serial_byte;
static _Atomic unsigned serial_cpu;

static void count_key(uint8_t byte)
{
    (void)byte;
    katomic_fetch_add(&keys[cpu_index()], 1, memory_order_relaxed);
}

static void note_serial(uint8_t byte)
{
    katomic_store(&serial_byte, byte, memory_order_relaxed);
    katomic_store(&serial_cpu, cpu_index(), memory_order_relaxed);
    katomic_fetch_add(&serial_bytes, 1, memory_order_release);
}

static void ap_main(void)
{
    kprintf("CPU %u is up (local APIC id %u)\n", cpu_index(), lapic_id());
    katomic_fetch_add(&reported, 1, memory_order_release);
    for (;;)
        cpu_halt(); // its timer and IPIs wake it; the handlers count
}

static void show_status(void)
{
    char text[VGA_COLUMNS + 1];
    int n = 0;
    for (unsigned cpu = 0; cpu < smp_cpu_count() && n < (int)sizeof text; cpu++)
        n += ksnprintf(text + n, sizeof text - n, "CPU %u: %lu ticks %lu IPIs %u keys  ", cpu,
                       lapic_timer_ticks(cpu), ipi_count(cpu),
                       katomic_load(&keys[cpu], memory_order_relaxed));
    kstatus("%s", text);
}

void kmain(void)
{
    console_set_color(VGA_LIGHT_GREEN, VGA_BLACK);
    kprintf("Workbook kernel: the base, on %u CPUs\n", smp_cpu_count());
    console_set_color(VGA_LIGHT_GREY, VGA_BLACK);
    smp_start_aps(ap_main);
    while (katomic_load(&reported, memory_order_acquire) < smp_cpu_count() - 1)
        pit_sleep_until(pit_ticks() + 1);
    kprintf("Local APIC timers at %u Hz (%u counts a tick), one per CPU.\n", LAPIC_TIMER_HZ,
            lapic_timer_period());
    keyboard_set_hook(count_key);
    serial_set_receive_hook(note_serial);
    kprintf("The PIT, the keyboard and the serial port interrupt CPU 0 alone.\n");

    unsigned echoed = 0;
    for (uint64_t tick = pit_ticks();; tick++) {
        pit_sleep_until(tick + 1);
        unsigned received = katomic_load(&serial_bytes, memory_order_acquire);
        if (received != echoed) {
            echoed = received;
            kprintf("serial: %#x on CPU %u\n", katomic_load(&serial_byte, memory_order_relaxed),
                    katomic_load(&serial_cpu, memory_order_relaxed));
        }
        if (tick % pit_hz() == 0) {
            for (unsigned cpu = 1; cpu < smp_cpu_count(); cpu++)
                lapic_send_ipi(cpu);
            show_status();
        }
    }
}

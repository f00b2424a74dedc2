// From boot.S to kmain: bring up each part of the machine in dependency order.
#include "boot.h"
#include "boot_info.h"
#include "console.h"
#include "cpu.h"
#include "gdt.h"
#include "interrupts.h"
#include "keyboard.h"
#include "kprintf.h"
#include "kstring.h"
#include "ktest.h"
#include "pit.h"
#ifdef SMP
#include "smp.h"
#endif

#define PIT_HZ 100

void kernel_entry(uint32_t multiboot_magic, uint32_t multiboot_info)
{
#ifdef SMP
    smp_init_boot_cpu(); // cpu_index(), which the console's lock asks, works from here
#endif
    console_init(); // first, so everything after can report
    boot_info_parse(multiboot_magic, multiboot_info);
    gdt_init();        // with the TSS: double faults get their own stack
    interrupts_init(); // IDT and PIC, every IRQ masked
    mem_init();        // the heap, from the memory map
    pit_init(PIT_HZ);  // IRQ 0
    keyboard_init();   // IRQ 1
    cpu_interrupts_enable();
#ifdef SMP
    smp_init(); // the local APIC and its timer (calibrated by the PIT); other CPUs found
#endif

    char value[16];
    console_set_status_on_serial(boot_cmdline_value("status", value, sizeof value) &&
                                 memcmp(value, "serial", sizeof "serial") == 0);
    char test[64];
    if (boot_cmdline_value("test", test, sizeof test))
        ktest_main(test);
    kmain();
    kprintf("kmain returned; halting\n");
    for (;;)
        cpu_halt();
}

// The base kernel's demo: a banner, then every key typed is decoded inside
// the keyboard interrupt handler and echoed. Decoding in the handler is the
// simple way, and the chapters show what it costs and how to do better.
#include "boot.h"
#include "boot_info.h"
#include "console.h"
#include "cpu.h"
#include "keyboard.h"
#include "kprintf.h"
#include "pit.h"
#include "scancode.h"

#include "demo.h"

static struct scancode_decoder decoder = {0}; // owned by the keyboard IRQ

// Runs in interrupt context, for every byte the keyboard sends.
void demo_echo_key(uint8_t byte)
{
    struct key_event event;
    switch (scancode_decoder_feed(&decoder, byte, &event)) {
    case SCANCODE_KEY:
        if (event.pressed && event.codepoint && event.codepoint < 0x80)
            kprintf("%c", (char)event.codepoint);
        else if (event.pressed && !event.codepoint && !scancode_key_modifier(event.key))
            kprintf("[%s]", scancode_key_name(event.key));
        break;
    case SCANCODE_UNKNOWN:
        kprintf("\nkeyboard: unknown scancode");
        for (unsigned i = 0; i < event.nbytes; i++)
            kprintf(" %#x", event.bytes[i]);
        kprintf(" ignored\n");
        break;
    default: break;
    }
}

void kmain(void)
{
    console_set_color(VGA_LIGHT_GREEN, VGA_BLACK);
    kprintf("Workbook kernel: the base\n");
    console_set_color(VGA_LIGHT_GREY, VGA_BLACK);
    kprintf("memory: %lu MiB usable, a %lu MiB heap at %p, timer at %u Hz\n",
            boot_memory_total() >> 20, boot_heap_region().length >> 20,
            (void *)boot_heap_region().start, pit_hz());
    kprintf("Type something; keys are decoded in the keyboard interrupt handler.\n");

    scancode_decoder_init(&decoder);
    keyboard_set_hook(demo_echo_key);
    for (;;)
        cpu_halt(); // wakes for every interrupt; the handlers do all the work
}

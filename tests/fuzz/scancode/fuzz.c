// libFuzzer harness for the scancode set 1 decoder: any byte sequence must
// decode without a crash or undefined behaviour, every report must keep the
// contract of scancode.h, and once every modifier key that the decoder
// reported pressed is released again, no modifier may remain held (only the
// locks may stay on).
//
// fuzz-sources: kernel-base/lib/scancode*.c
// fuzz-include: kernel-base/include
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scancode.h"

#define LOCKS (KEY_MOD_CAPS_LOCK | KEY_MOD_NUM_LOCK | KEY_MOD_SCROLL_LOCK)

// The held modifiers, spelled out here from scancode set 1 rather than taken
// from the decoder, so that the harness checks the decoder instead of
// agreeing with it: each key's bit and the bytes that release it.
static const struct modifier {
    enum key_code key;
    uint16_t bit;
    uint8_t release[2];
    uint8_t nrelease;
} modifiers[] = {
    {KEY_LEFT_SHIFT, KEY_MOD_LEFT_SHIFT, {0xAA}, 1},
    {KEY_RIGHT_SHIFT, KEY_MOD_RIGHT_SHIFT, {0xB6}, 1},
    {KEY_LEFT_CTRL, KEY_MOD_LEFT_CTRL, {0x9D}, 1},
    {KEY_RIGHT_CTRL, KEY_MOD_RIGHT_CTRL, {0xE0, 0x9D}, 2},
    {KEY_LEFT_ALT, KEY_MOD_LEFT_ALT, {0xB8}, 1},
    {KEY_RIGHT_ALT, KEY_MOD_RIGHT_ALT, {0xE0, 0xB8}, 2},
};
static const struct lock {
    enum key_code key;
    uint16_t bit;
} locks[] = {
    {KEY_CAPS_LOCK, KEY_MOD_CAPS_LOCK},
    {KEY_NUM_LOCK, KEY_MOD_NUM_LOCK},
    {KEY_SCROLL_LOCK, KEY_MOD_SCROLL_LOCK},
};
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

// What the decoder's reports so far imply: held modifiers, lock states, and
// which lock keys are down (a held lock key auto-repeats without toggling).
struct model {
    uint16_t held;
    uint16_t locks_on;
    uint16_t locks_down;
};

// A broken promise: print it with the input position and crash, so that
// libFuzzer saves the input.
__attribute__((noreturn, format(printf, 2, 3))) static void fail(size_t at, const char *fmt, ...);

static void fail(size_t at, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "scancode fuzz: at byte %zu: ", at);
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

// Apply a key report to the model, then check the report against it.
static void model_key(struct model *m, const struct key_event *ev, size_t at)
{
    for (size_t i = 0; i < ARRAY_SIZE(modifiers); i++)
        if (ev->key == modifiers[i].key)
            m->held = ev->pressed ? m->held | modifiers[i].bit : m->held & ~modifiers[i].bit;
    for (size_t i = 0; i < ARRAY_SIZE(locks); i++) {
        if (ev->key != locks[i].key)
            continue;
        if (ev->pressed && !(m->locks_down & locks[i].bit))
            m->locks_on ^= locks[i].bit;
        m->locks_down = ev->pressed ? m->locks_down | locks[i].bit : m->locks_down & ~locks[i].bit;
    }
    if ((ev->mods & ~LOCKS) != m->held)
        fail(at, "%s %s: mods 0x%03X, but the keys reported held make 0x%03X",
             scancode_key_name(ev->key), ev->pressed ? "press" : "release", ev->mods & ~LOCKS,
             m->held);
    if ((ev->mods & LOCKS) != m->locks_on)
        fail(at, "%s %s: locks 0x%03X, but the lock presses reported make 0x%03X",
             scancode_key_name(ev->key), ev->pressed ? "press" : "release", ev->mods & LOCKS,
             m->locks_on);
}

// Feed one byte and check what every report promises (scancode.h).
static enum scancode_status feed(struct scancode_decoder *dec, struct model *m, uint8_t byte,
                                 size_t at, struct key_event *ev)
{
    memset(ev, 0xA5, sizeof *ev); // feed() must fill it all, whatever was there
    enum scancode_status status = scancode_decoder_feed(dec, byte, ev);
    if (status < SCANCODE_NONE || status > SCANCODE_ERROR)
        fail(at, "byte 0x%02X: status %d is not a scancode_status", byte, status);
    if (ev->nbytes < 1 || ev->nbytes > sizeof ev->bytes)
        fail(at, "byte 0x%02X: nbytes %u", byte, ev->nbytes);
    if (ev->bytes[ev->nbytes - 1] != byte)
        fail(at, "byte 0x%02X: bytes[] ends with 0x%02X", byte, ev->bytes[ev->nbytes - 1]);
    if (status != SCANCODE_KEY) {
        if (ev->key != KEY_NONE)
            fail(at, "byte 0x%02X: status %d with key %d", byte, status, ev->key);
        return status;
    }
    if (ev->key <= KEY_NONE || ev->key >= KEY_COUNT)
        fail(at, "byte 0x%02X: SCANCODE_KEY with key %d", byte, ev->key);
    if (!ev->pressed && ev->codepoint != 0)
        fail(at, "%s release types U+%04X", scancode_key_name(ev->key), ev->codepoint);
    if (ev->codepoint > 0x10FFFF)
        fail(at, "%s types U+%X, not a code point", scancode_key_name(ev->key), ev->codepoint);
    model_key(m, ev, at);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scancode_decoder dec;
    struct model m = {0};
    struct key_event ev;
    scancode_decoder_init(&dec);
    for (size_t i = 0; i < size; i++)
        (void)feed(&dec, &m, data[i], i, &ev);

    // The input may stop inside a sequence. 0xFF is an error report between
    // sequences and an unknown byte inside one, which ends it: either way
    // the decoder is between sequences afterwards.
    enum scancode_status status = feed(&dec, &m, 0xFF, size, &ev);
    if (status != SCANCODE_ERROR && status != SCANCODE_UNKNOWN)
        fail(size, "0xFF gave status %d, want ERROR or UNKNOWN", status);

    // Release what the reports say is held, each with its own release code.
    for (size_t i = 0; i < ARRAY_SIZE(modifiers); i++) {
        const struct modifier *mod = &modifiers[i];
        if (!(m.held & mod->bit))
            continue;
        for (uint8_t b = 0; b < mod->nrelease; b++)
            status = feed(&dec, &m, mod->release[b], size, &ev);
        if (status != SCANCODE_KEY || ev.key != mod->key || ev.pressed)
            fail(size, "releasing %s: status %d, key %s, pressed %d", scancode_key_name(mod->key),
                 status, scancode_key_name(ev.key), ev.pressed);
    }
    // Releasing A (0x9E) reports the modifiers left over, even when no
    // modifier was held at all.
    status = feed(&dec, &m, 0x9E, size, &ev);
    if (status != SCANCODE_KEY || ev.key != KEY_A || ev.pressed)
        fail(size, "releasing A: status %d, key %s", status, scancode_key_name(ev.key));
    if (ev.mods & ~LOCKS)
        fail(size, "modifiers 0x%03X still held after every held key was released",
             ev.mods & ~LOCKS);
    return 0;
}

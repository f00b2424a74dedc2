// Scancode set 1 decoder: the prefix state machine and the modifiers. The key
// tables and the US layout's text are in scancode_keys.c; the contract is in
// scancode.h.
#include "scancode.h"

#include "scancode_keys.h"

// Most keys are one byte: the make code when pressed, the same code with bit 7
// set when released. A few keys need a prefix, so the decoder has states:
//
//   IDLE --E0--> AFTER_E0 --xx--> IDLE                  extended key E0 xx
//   IDLE --E1--> AFTER_E1 --1D--> AFTER_E1_1D --45--> IDLE   Pause pressed
//                         --9D--> AFTER_E1_9D --C5--> IDLE   Pause released
//
// Any byte that has no arrow out of the current state ends the sequence: it
// is reported as unknown together with the prefix before it, and the decoder
// is back in IDLE.
enum scancode_state { IDLE, AFTER_E0, AFTER_E1, AFTER_E1_1D, AFTER_E1_9D };

void scancode_decoder_init(struct scancode_decoder *dec)
{
    dec->state = IDLE;
    dec->mods = 0;
    dec->locks_held = 0;
}

// The modifier bit of a key (scancode.h).
uint16_t scancode_key_modifier(enum key_code key)
{
    switch (key) {
    case KEY_LEFT_SHIFT: return KEY_MOD_LEFT_SHIFT;
    case KEY_RIGHT_SHIFT: return KEY_MOD_RIGHT_SHIFT;
    case KEY_LEFT_CTRL: return KEY_MOD_LEFT_CTRL;
    case KEY_RIGHT_CTRL: return KEY_MOD_RIGHT_CTRL;
    case KEY_LEFT_ALT: return KEY_MOD_LEFT_ALT;
    case KEY_RIGHT_ALT: return KEY_MOD_RIGHT_ALT;
    case KEY_CAPS_LOCK: return KEY_MOD_CAPS_LOCK;
    case KEY_NUM_LOCK: return KEY_MOD_NUM_LOCK;
    case KEY_SCROLL_LOCK: return KEY_MOD_SCROLL_LOCK;
    default: return 0;
    }
}

// Apply a press or release of a key to the modifiers and describe it in *ev.
static enum scancode_status decode_key(struct scancode_decoder *dec, enum key_code key,
                                       bool pressed, struct key_event *ev)
{
    if (key == KEY_NONE)
        return SCANCODE_UNKNOWN;

    uint16_t bit = scancode_key_modifier(key);
    if (bit & (KEY_MOD_CAPS_LOCK | KEY_MOD_NUM_LOCK | KEY_MOD_SCROLL_LOCK)) {
        // A held key repeats its make code; only the first one toggles.
        if (pressed && !(dec->locks_held & bit))
            dec->mods ^= bit;
        dec->locks_held = pressed ? dec->locks_held | bit : dec->locks_held & ~bit;
    } else {
        dec->mods = pressed ? dec->mods | bit : dec->mods & ~bit;
    }

    // With NumLock off, the keypad's digits are the keys printed under them.
    if (key >= KEY_KP_0 && key <= KEY_KP_PERIOD && !(dec->mods & KEY_MOD_NUM_LOCK))
        key = scancode_numpad_navigation(key);
    else if (pressed)
        ev->codepoint = scancode_key_codepoint(key, dec->mods);
    ev->key = key;
    ev->pressed = pressed;
    ev->mods = dec->mods;
    return SCANCODE_KEY;
}

enum scancode_status scancode_decoder_feed(struct scancode_decoder *dec, uint8_t byte,
                                           struct key_event *ev)
{
    enum scancode_state state = dec->state;
    bool pressed = !(byte & 0x80);
    uint8_t code = byte & 0x7F;

    // Every report carries the bytes it is about: the prefix so far, then this byte.
    *ev = (struct key_event){.key = KEY_NONE};
    if (state == AFTER_E0)
        ev->bytes[ev->nbytes++] = 0xE0;
    if (state == AFTER_E1 || state == AFTER_E1_1D || state == AFTER_E1_9D)
        ev->bytes[ev->nbytes++] = 0xE1;
    if (state == AFTER_E1_1D || state == AFTER_E1_9D)
        ev->bytes[ev->nbytes++] = state == AFTER_E1_1D ? 0x1D : 0x9D;
    ev->bytes[ev->nbytes++] = byte;

    dec->state = IDLE; // unless this byte continues a sequence
    switch (state) {
    case IDLE:
        switch (byte) {
        case 0xE0: dec->state = AFTER_E0; return SCANCODE_NONE;
        case 0xE1: dec->state = AFTER_E1; return SCANCODE_NONE;
        case 0xFA: return SCANCODE_ACK;
        case 0xFE: return SCANCODE_RESEND;
        case 0xEE: return SCANCODE_ECHO;
        case 0x00:
        case 0xFF: return SCANCODE_ERROR;
        }
        return decode_key(dec, scancode_plain_key(code), pressed, ev);
    case AFTER_E0:
        if (code == 0x2A || code == 0x36)
            return SCANCODE_NONE; // fake shift
        return decode_key(dec, scancode_e0_key(code), pressed, ev);
    case AFTER_E1:
        if (byte == 0x1D || byte == 0x9D) {
            dec->state = byte == 0x1D ? AFTER_E1_1D : AFTER_E1_9D;
            return SCANCODE_NONE;
        }
        return SCANCODE_UNKNOWN;
    case AFTER_E1_1D: return byte == 0x45 ? decode_key(dec, KEY_PAUSE, true, ev) : SCANCODE_UNKNOWN;
    case AFTER_E1_9D:
        return byte == 0xC5 ? decode_key(dec, KEY_PAUSE, false, ev) : SCANCODE_UNKNOWN;
    }
    return SCANCODE_UNKNOWN; // not reached: dec->state is always one of the above
}

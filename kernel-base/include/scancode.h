// PS/2 keyboard decoder: turns scancode set 1 bytes into key presses and
// releases, with the text they type on a US 104-key layout.
// Portable (no I/O, no allocation, no libc), so host tests run the same code.
// A decoder has one owner: nothing here locks, so only one context (the IRQ
// handler, or the one task that reads the keyboard) may feed a given decoder.
#pragma once

#include <stdbool.h>
#include <stdint.h>

// Every physical key of a US 104-key keyboard, independent of scancode set.
enum key_code {
    KEY_NONE, // not a key: unknown scancodes, and statuses other than SCANCODE_KEY
    KEY_A,
    KEY_B,
    KEY_C,
    KEY_D,
    KEY_E,
    KEY_F,
    KEY_G,
    KEY_H,
    KEY_I,
    KEY_J,
    KEY_K,
    KEY_L,
    KEY_M,
    KEY_N,
    KEY_O,
    KEY_P,
    KEY_Q,
    KEY_R,
    KEY_S,
    KEY_T,
    KEY_U,
    KEY_V,
    KEY_W,
    KEY_X,
    KEY_Y,
    KEY_Z,
    KEY_0,
    KEY_1,
    KEY_2,
    KEY_3,
    KEY_4,
    KEY_5,
    KEY_6,
    KEY_7,
    KEY_8,
    KEY_9,
    KEY_ESCAPE,
    KEY_F1,
    KEY_F2,
    KEY_F3,
    KEY_F4,
    KEY_F5,
    KEY_F6,
    KEY_F7,
    KEY_F8,
    KEY_F9,
    KEY_F10,
    KEY_F11,
    KEY_F12,
    KEY_BACKTICK,
    KEY_MINUS,
    KEY_EQUAL,
    KEY_BACKSPACE,
    KEY_TAB,
    KEY_LEFT_BRACKET,
    KEY_RIGHT_BRACKET,
    KEY_BACKSLASH,
    KEY_CAPS_LOCK,
    KEY_SEMICOLON,
    KEY_APOSTROPHE,
    KEY_ENTER,
    KEY_LEFT_SHIFT,
    KEY_COMMA,
    KEY_PERIOD,
    KEY_SLASH,
    KEY_RIGHT_SHIFT,
    KEY_LEFT_CTRL,
    KEY_LEFT_GUI,
    KEY_LEFT_ALT,
    KEY_SPACE,
    KEY_RIGHT_ALT,
    KEY_RIGHT_GUI,
    KEY_MENU,
    KEY_RIGHT_CTRL,
    KEY_PRINT_SCREEN,
    KEY_SCROLL_LOCK,
    KEY_PAUSE,
    KEY_INSERT,
    KEY_HOME,
    KEY_PAGE_UP,
    KEY_DELETE,
    KEY_END,
    KEY_PAGE_DOWN,
    KEY_UP,
    KEY_LEFT,
    KEY_DOWN,
    KEY_RIGHT,
    KEY_NUM_LOCK,
    KEY_KP_SLASH,
    KEY_KP_ASTERISK,
    KEY_KP_MINUS,
    KEY_KP_PLUS,
    KEY_KP_ENTER,
    KEY_KP_0,
    KEY_KP_1,
    KEY_KP_2,
    KEY_KP_3,
    KEY_KP_4,
    KEY_KP_5,
    KEY_KP_6,
    KEY_KP_7,
    KEY_KP_8,
    KEY_KP_9,
    KEY_KP_PERIOD,
    KEY_COUNT
};

// Bits of key_event.mods. Left and right keys have their own bits so that
// releasing one Shift while the other is held leaves Shift on.
enum key_modifier {
    KEY_MOD_LEFT_SHIFT = 1 << 0,
    KEY_MOD_RIGHT_SHIFT = 1 << 1,
    KEY_MOD_LEFT_CTRL = 1 << 2,
    KEY_MOD_RIGHT_CTRL = 1 << 3,
    KEY_MOD_LEFT_ALT = 1 << 4,
    KEY_MOD_RIGHT_ALT = 1 << 5,
    KEY_MOD_CAPS_LOCK = 1 << 6, // the locks toggle on each press, as their LEDs should
    KEY_MOD_NUM_LOCK = 1 << 7,
    KEY_MOD_SCROLL_LOCK = 1 << 8,

    KEY_MOD_SHIFT = KEY_MOD_LEFT_SHIFT | KEY_MOD_RIGHT_SHIFT,
    KEY_MOD_CTRL = KEY_MOD_LEFT_CTRL | KEY_MOD_RIGHT_CTRL,
    KEY_MOD_ALT = KEY_MOD_LEFT_ALT | KEY_MOD_RIGHT_ALT,
};

// What one byte amounted to. Every status fills ev->bytes (see key_event).
enum scancode_status {
    SCANCODE_NONE,    // nothing yet: a prefix, or a byte that is deliberately ignored
    SCANCODE_KEY,     // ev describes a key press or release
    SCANCODE_UNKNOWN, // ev->bytes is a sequence this decoder doesn't know; it was dropped
                      // and the decoder is ready for the next byte
    SCANCODE_ACK,     // 0xFA: the keyboard accepted a command the kernel sent it
    SCANCODE_RESEND,  // 0xFE: the keyboard wants the last command sent again
    SCANCODE_ECHO,    // 0xEE: the answer to an echo command
    SCANCODE_ERROR,   // 0x00 or 0xFF: key detection error or the keyboard's buffer
                      // overflowed; keystrokes were lost, so a modifier may look stuck
                      // until it is pressed and released again
};

struct key_event {
    enum key_code key; // KEY_NONE unless the status is SCANCODE_KEY
    bool pressed;      // true for a press (and the keyboard's auto-repeat), false for release
    uint16_t mods;     // enum key_modifier bits, with this event already applied
    // The text a press types, as a Unicode code point, or 0 when it types none
    // (releases, F-keys, arrows, modifiers...). Enter is '\n', Backspace '\b',
    // Tab '\t', Escape U+001B. Ctrl turns letters into control characters:
    // Ctrl+C is U+0003, with or without Shift or CapsLock; Ctrl leaves other
    // keys' text alone. Alt and the GUI keys change no text: look at mods.
    uint32_t codepoint;
    // The scancode bytes this status is about, for messages such as
    // "keyboard: unknown scancode 0xE0 0x5F ignored". For SCANCODE_NONE, the
    // sequence so far.
    uint8_t bytes[3];
    uint8_t nbytes;
};

// Private to scancode.c; a struct here only so the owner can embed it.
struct scancode_decoder {
    uint8_t state;       // where we are in a multi-byte sequence
    uint16_t mods;       // enum key_modifier bits
    uint16_t locks_held; // lock keys now down, so auto-repeat doesn't toggle them again
};

// Start with no sequence in progress, no modifier held and every lock off.
void scancode_decoder_init(struct scancode_decoder *dec);

// Decode the next byte read from the keyboard; fills *ev and tells what it
// means. Never fails on bad input: any byte in any state yields some status,
// and a sequence that turns out to be unknown is reported (SCANCODE_UNKNOWN)
// and dropped as soon as its offending byte arrives.
//
// Choices a caller must know:
//  - Pause is sent as E1 1D 45 E1 9D C5 at once, with nothing when the key
//    comes up; it decodes as a press after E1 1D 45 and a release after
//    E1 9D C5. Ctrl+Pause (sent as E0 46 E0 C6) decodes as Pause too.
//  - The keyboard wraps some extended keys in "fake shifts" (E0 2A, E0 AA,
//    E0 36, E0 B6): these return SCANCODE_NONE and change no modifier, so
//    PrintScreen is one press (E0 2A E0 37) and one release (E0 B7 E0 AA).
//    Alt+PrintScreen (0x54) decodes as PrintScreen.
//  - With NumLock off, keypad keys 0-9 and '.' report the navigation key they
//    act as (KP_7 is KEY_HOME, KP_5 stays KEY_KP_5) and type nothing; with it
//    on they type digits. Shift doesn't affect the keypad. If NumLock changes
//    while such a key is held, its release is reported under the other name.
//  - 0xAA means "self-test passed" after a keyboard reset, but it is also Left
//    Shift's release code. It always decodes as a Left Shift release: after a
//    reset no key is down, so dropping Shift is right either way.
//  - 0xFA, 0xFE, 0xEE, 0x00 and 0xFF are recognised only between sequences;
//    inside one they are unknown bytes like any other.
enum scancode_status scancode_decoder_feed(struct scancode_decoder *dec, uint8_t byte,
                                           struct key_event *ev)
    __attribute__((warn_unused_result));

// The enum key_modifier bit a key holds down or toggles (Shift, Ctrl, Alt,
// the locks), or 0 for every other key.
uint16_t scancode_key_modifier(enum key_code key);

// A printable name for a key, e.g. "A", "7", "F1", "ArrowUp", "NumpadEnter",
// "Pause". Names follow the W3C KeyboardEvent.code values, except that letter
// and digit keys are just the character. A static string; "None" for KEY_NONE
// and "Invalid" for a value that isn't a key.
const char *scancode_key_name(enum key_code key);

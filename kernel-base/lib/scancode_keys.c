// The key tables of scancode set 1 and the US layout's text and key names,
// kept apart from the decoder's state machine (scancode.c).
#include "scancode_keys.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

// The tables are laid out by keyboard row, not by clang-format.
// clang-format off
// Keys without a prefix, indexed by make code. Each run starts at the code in
// brackets and goes on from there; the runs follow the rows of the keyboard.
static const enum key_code plain_keys[0x59] = {
    [0x01] = KEY_ESCAPE,
    [0x02] = KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0, KEY_MINUS,
    KEY_EQUAL, KEY_BACKSPACE,
    [0x0F] = KEY_TAB, KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P,
    KEY_LEFT_BRACKET, KEY_RIGHT_BRACKET, KEY_ENTER,
    [0x1D] = KEY_LEFT_CTRL, KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L,
    KEY_SEMICOLON, KEY_APOSTROPHE, KEY_BACKTICK,
    [0x2A] = KEY_LEFT_SHIFT, KEY_BACKSLASH, KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M,
    KEY_COMMA, KEY_PERIOD, KEY_SLASH, KEY_RIGHT_SHIFT,
    [0x37] = KEY_KP_ASTERISK, KEY_LEFT_ALT, KEY_SPACE, KEY_CAPS_LOCK,
    [0x3B] = KEY_F1, KEY_F2, KEY_F3, KEY_F4, KEY_F5, KEY_F6, KEY_F7, KEY_F8, KEY_F9, KEY_F10,
    [0x45] = KEY_NUM_LOCK, KEY_SCROLL_LOCK,
    [0x47] = KEY_KP_7, KEY_KP_8, KEY_KP_9, KEY_KP_MINUS,
    [0x4B] = KEY_KP_4, KEY_KP_5, KEY_KP_6, KEY_KP_PLUS,
    [0x4F] = KEY_KP_1, KEY_KP_2, KEY_KP_3, KEY_KP_0, KEY_KP_PERIOD,
    [0x54] = KEY_PRINT_SCREEN, // what PrintScreen sends while Alt is held (SysRq)
    // 0x55 is unused; 0x56 is a key that only non-US keyboards have.
    [0x57] = KEY_F11, KEY_F12,
};

// Keys after an E0 prefix, indexed by make code. E0 2A and E0 36 are not here:
// they are the fake shifts that feed() ignores.
static const enum key_code e0_keys[0x80] = {
    [0x1C] = KEY_KP_ENTER,     [0x1D] = KEY_RIGHT_CTRL, [0x35] = KEY_KP_SLASH,
    [0x37] = KEY_PRINT_SCREEN, [0x38] = KEY_RIGHT_ALT,
    [0x46] = KEY_PAUSE, // Ctrl+Pause, a.k.a. Break
    [0x47] = KEY_HOME,         [0x48] = KEY_UP,         [0x49] = KEY_PAGE_UP,
    [0x4B] = KEY_LEFT,         [0x4D] = KEY_RIGHT,      [0x4F] = KEY_END,
    [0x50] = KEY_DOWN,         [0x51] = KEY_PAGE_DOWN,  [0x52] = KEY_INSERT,
    [0x53] = KEY_DELETE,       [0x5B] = KEY_LEFT_GUI,   [0x5C] = KEY_RIGHT_GUI,
    [0x5D] = KEY_MENU,
};

// What the keypad's digit keys do while NumLock is off, from KEY_KP_0 on.
static const enum key_code numpad_navigation[] = {
    KEY_INSERT, KEY_END, KEY_DOWN, KEY_PAGE_DOWN, KEY_LEFT, KEY_KP_5,
    KEY_RIGHT, KEY_HOME, KEY_UP, KEY_PAGE_UP, KEY_DELETE,
};

// Text of the keys that type some, letters aside: without and with Shift.
// A second character of 0 means Shift changes nothing.
static const char key_text[KEY_COUNT][2] = {
    [KEY_1] = {'1', '!'}, [KEY_2] = {'2', '@'}, [KEY_3] = {'3', '#'}, [KEY_4] = {'4', '$'},
    [KEY_5] = {'5', '%'}, [KEY_6] = {'6', '^'}, [KEY_7] = {'7', '&'}, [KEY_8] = {'8', '*'},
    [KEY_9] = {'9', '('}, [KEY_0] = {'0', ')'}, [KEY_MINUS] = {'-', '_'},
    [KEY_EQUAL] = {'=', '+'}, [KEY_BACKTICK] = {'`', '~'}, [KEY_LEFT_BRACKET] = {'[', '{'},
    [KEY_RIGHT_BRACKET] = {']', '}'}, [KEY_BACKSLASH] = {'\\', '|'},
    [KEY_SEMICOLON] = {';', ':'}, [KEY_APOSTROPHE] = {'\'', '"'}, [KEY_COMMA] = {',', '<'},
    [KEY_PERIOD] = {'.', '>'}, [KEY_SLASH] = {'/', '?'},
    [KEY_SPACE] = {' '}, [KEY_ENTER] = {'\n'}, [KEY_TAB] = {'\t'}, [KEY_BACKSPACE] = {'\b'},
    [KEY_ESCAPE] = {'\x1b'},
    [KEY_KP_0] = {'0'}, [KEY_KP_1] = {'1'}, [KEY_KP_2] = {'2'}, [KEY_KP_3] = {'3'},
    [KEY_KP_4] = {'4'}, [KEY_KP_5] = {'5'}, [KEY_KP_6] = {'6'}, [KEY_KP_7] = {'7'},
    [KEY_KP_8] = {'8'}, [KEY_KP_9] = {'9'}, [KEY_KP_PERIOD] = {'.'},
    [KEY_KP_SLASH] = {'/'}, [KEY_KP_ASTERISK] = {'*'}, [KEY_KP_MINUS] = {'-'},
    [KEY_KP_PLUS] = {'+'}, [KEY_KP_ENTER] = {'\n'},
};

static const char *const key_names[KEY_COUNT] = {
    [KEY_NONE] = "None",
    [KEY_A] = "A", [KEY_B] = "B", [KEY_C] = "C", [KEY_D] = "D", [KEY_E] = "E", [KEY_F] = "F",
    [KEY_G] = "G", [KEY_H] = "H", [KEY_I] = "I", [KEY_J] = "J", [KEY_K] = "K", [KEY_L] = "L",
    [KEY_M] = "M", [KEY_N] = "N", [KEY_O] = "O", [KEY_P] = "P", [KEY_Q] = "Q", [KEY_R] = "R",
    [KEY_S] = "S", [KEY_T] = "T", [KEY_U] = "U", [KEY_V] = "V", [KEY_W] = "W", [KEY_X] = "X",
    [KEY_Y] = "Y", [KEY_Z] = "Z",
    [KEY_0] = "0", [KEY_1] = "1", [KEY_2] = "2", [KEY_3] = "3", [KEY_4] = "4",
    [KEY_5] = "5", [KEY_6] = "6", [KEY_7] = "7", [KEY_8] = "8", [KEY_9] = "9",
    [KEY_ESCAPE] = "Escape", [KEY_F1] = "F1", [KEY_F2] = "F2", [KEY_F3] = "F3",
    [KEY_F4] = "F4", [KEY_F5] = "F5", [KEY_F6] = "F6", [KEY_F7] = "F7", [KEY_F8] = "F8",
    [KEY_F9] = "F9", [KEY_F10] = "F10", [KEY_F11] = "F11", [KEY_F12] = "F12",
    [KEY_BACKTICK] = "Backquote", [KEY_MINUS] = "Minus", [KEY_EQUAL] = "Equal",
    [KEY_BACKSPACE] = "Backspace", [KEY_TAB] = "Tab", [KEY_LEFT_BRACKET] = "BracketLeft",
    [KEY_RIGHT_BRACKET] = "BracketRight", [KEY_BACKSLASH] = "Backslash",
    [KEY_CAPS_LOCK] = "CapsLock", [KEY_SEMICOLON] = "Semicolon", [KEY_APOSTROPHE] = "Quote",
    [KEY_ENTER] = "Enter", [KEY_LEFT_SHIFT] = "ShiftLeft", [KEY_COMMA] = "Comma",
    [KEY_PERIOD] = "Period", [KEY_SLASH] = "Slash", [KEY_RIGHT_SHIFT] = "ShiftRight",
    [KEY_LEFT_CTRL] = "ControlLeft", [KEY_LEFT_GUI] = "MetaLeft", [KEY_LEFT_ALT] = "AltLeft",
    [KEY_SPACE] = "Space", [KEY_RIGHT_ALT] = "AltRight", [KEY_RIGHT_GUI] = "MetaRight",
    [KEY_MENU] = "ContextMenu", [KEY_RIGHT_CTRL] = "ControlRight",
    [KEY_PRINT_SCREEN] = "PrintScreen", [KEY_SCROLL_LOCK] = "ScrollLock", [KEY_PAUSE] = "Pause",
    [KEY_INSERT] = "Insert", [KEY_HOME] = "Home", [KEY_PAGE_UP] = "PageUp",
    [KEY_DELETE] = "Delete", [KEY_END] = "End", [KEY_PAGE_DOWN] = "PageDown",
    [KEY_UP] = "ArrowUp", [KEY_LEFT] = "ArrowLeft", [KEY_DOWN] = "ArrowDown",
    [KEY_RIGHT] = "ArrowRight",
    [KEY_NUM_LOCK] = "NumLock", [KEY_KP_SLASH] = "NumpadDivide",
    [KEY_KP_ASTERISK] = "NumpadMultiply", [KEY_KP_MINUS] = "NumpadSubtract",
    [KEY_KP_PLUS] = "NumpadAdd", [KEY_KP_ENTER] = "NumpadEnter",
    [KEY_KP_0] = "Numpad0", [KEY_KP_1] = "Numpad1", [KEY_KP_2] = "Numpad2",
    [KEY_KP_3] = "Numpad3", [KEY_KP_4] = "Numpad4", [KEY_KP_5] = "Numpad5",
    [KEY_KP_6] = "Numpad6", [KEY_KP_7] = "Numpad7", [KEY_KP_8] = "Numpad8",
    [KEY_KP_9] = "Numpad9", [KEY_KP_PERIOD] = "NumpadDecimal",
};
// clang-format on

enum key_code scancode_plain_key(uint8_t code)
{
    return code < ARRAY_SIZE(plain_keys) ? plain_keys[code] : KEY_NONE;
}

enum key_code scancode_e0_key(uint8_t code)
{
    return code < ARRAY_SIZE(e0_keys) ? e0_keys[code] : KEY_NONE;
}

enum key_code scancode_numpad_navigation(enum key_code keypad_key)
{
    return numpad_navigation[keypad_key - KEY_KP_0];
}

// The text a key press types with the given modifiers, or 0.
uint32_t scancode_key_codepoint(enum key_code key, uint16_t mods)
{
    bool shift = mods & KEY_MOD_SHIFT;

    if (key >= KEY_A && key <= KEY_Z) {
        uint32_t n = key - KEY_A;
        if (mods & KEY_MOD_CTRL)
            return n + 1; // Ctrl+A is U+0001 ... Ctrl+Z is U+001A
        // CapsLock inverts Shift, for letters only.
        bool caps = mods & KEY_MOD_CAPS_LOCK;
        return (shift != caps ? 'A' : 'a') + n;
    }
    if (shift && key_text[key][1])
        return (unsigned char)key_text[key][1];
    return (unsigned char)key_text[key][0];
}

const char *scancode_key_name(enum key_code key)
{
    if ((unsigned)key >= KEY_COUNT)
        return "Invalid";
    return key_names[key];
}

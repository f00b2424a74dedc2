// Host tests for the scancode set 1 decoder (lib/scancode.c).
#include <criterion/criterion.h>

#include "scancode.h"
#include "testing.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

TestSuite(scancode, .timeout = 10);

// One report from the decoder that wasn't SCANCODE_NONE.
struct report {
    enum scancode_status status;
    struct key_event ev;
};

// Feed n bytes and collect the reports they make, in order. Returns how many.
static size_t feed(struct scancode_decoder *dec, const uint8_t *bytes, size_t n, struct report *out,
                   size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        struct key_event ev;
        enum scancode_status status = scancode_decoder_feed(dec, bytes[i], &ev);
        if (status == SCANCODE_NONE)
            continue;
        cr_assert_lt(count, max, "more reports than expected at byte %zu (0x%02X)", i, bytes[i]);
        out[count++] = (struct report){status, ev};
    }
    return count;
}

// FEED(&dec, reports, 0xE0, 0x48): feed(), with the bytes written out in place.
#define FEED(dec, out, ...)                                                                        \
    feed(dec, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), out,         \
         ARRAY_SIZE(out))

// Feed bytes that must make exactly one report, a key event, and return it.
static struct key_event feed_key(struct scancode_decoder *dec, const uint8_t *bytes, size_t n)
{
    struct report r[4];
    size_t count = feed(dec, bytes, n, r, ARRAY_SIZE(r));
    cr_assert_eq(count, 1, "%zu reports from %zu bytes starting 0x%02X", count, n, bytes[0]);
    cr_assert_eq(r[0].status, SCANCODE_KEY, "status %d from bytes starting 0x%02X", r[0].status,
                 bytes[0]);
    return r[0].ev;
}

// KEY(&dec, 0xE0, 0x48): feed_key(), likewise.
#define KEY(dec, ...)                                                                              \
    feed_key(dec, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

// Assert a key event: which key, press or release, and the text it types.
static void expect(struct key_event ev, enum key_code key, bool pressed, uint32_t codepoint)
{
    cr_assert_eq(ev.key, key, "got %s, want %s", scancode_key_name(ev.key), scancode_key_name(key));
    cr_assert_eq(ev.pressed, pressed, "%s: wrong press/release", scancode_key_name(key));
    cr_assert_eq(ev.codepoint, codepoint, "%s: codepoint U+%04X, want U+%04X",
                 scancode_key_name(key), ev.codepoint, codepoint);
}

// The press sequence of every key, by an independent reading of set 1:
// 0xE0xx is an extended key. PrintScreen and Pause are given in the forms
// that have no fake shift or E1 (Ctrl held); their usual forms are tested below.
static const struct {
    enum key_code key;
    uint16_t code;
} all_keys[] = {
    {KEY_ESCAPE, 0x01},
    {KEY_1, 0x02},
    {KEY_2, 0x03},
    {KEY_3, 0x04},
    {KEY_4, 0x05},
    {KEY_5, 0x06},
    {KEY_6, 0x07},
    {KEY_7, 0x08},
    {KEY_8, 0x09},
    {KEY_9, 0x0A},
    {KEY_0, 0x0B},
    {KEY_MINUS, 0x0C},
    {KEY_EQUAL, 0x0D},
    {KEY_BACKSPACE, 0x0E},
    {KEY_TAB, 0x0F},
    {KEY_Q, 0x10},
    {KEY_W, 0x11},
    {KEY_E, 0x12},
    {KEY_R, 0x13},
    {KEY_T, 0x14},
    {KEY_Y, 0x15},
    {KEY_U, 0x16},
    {KEY_I, 0x17},
    {KEY_O, 0x18},
    {KEY_P, 0x19},
    {KEY_LEFT_BRACKET, 0x1A},
    {KEY_RIGHT_BRACKET, 0x1B},
    {KEY_ENTER, 0x1C},
    {KEY_LEFT_CTRL, 0x1D},
    {KEY_A, 0x1E},
    {KEY_S, 0x1F},
    {KEY_D, 0x20},
    {KEY_F, 0x21},
    {KEY_G, 0x22},
    {KEY_H, 0x23},
    {KEY_J, 0x24},
    {KEY_K, 0x25},
    {KEY_L, 0x26},
    {KEY_SEMICOLON, 0x27},
    {KEY_APOSTROPHE, 0x28},
    {KEY_BACKTICK, 0x29},
    {KEY_LEFT_SHIFT, 0x2A},
    {KEY_BACKSLASH, 0x2B},
    {KEY_Z, 0x2C},
    {KEY_X, 0x2D},
    {KEY_C, 0x2E},
    {KEY_V, 0x2F},
    {KEY_B, 0x30},
    {KEY_N, 0x31},
    {KEY_M, 0x32},
    {KEY_COMMA, 0x33},
    {KEY_PERIOD, 0x34},
    {KEY_SLASH, 0x35},
    {KEY_RIGHT_SHIFT, 0x36},
    {KEY_KP_ASTERISK, 0x37},
    {KEY_LEFT_ALT, 0x38},
    {KEY_SPACE, 0x39},
    {KEY_CAPS_LOCK, 0x3A},
    {KEY_F1, 0x3B},
    {KEY_F2, 0x3C},
    {KEY_F3, 0x3D},
    {KEY_F4, 0x3E},
    {KEY_F5, 0x3F},
    {KEY_F6, 0x40},
    {KEY_F7, 0x41},
    {KEY_F8, 0x42},
    {KEY_F9, 0x43},
    {KEY_F10, 0x44},
    {KEY_NUM_LOCK, 0x45},
    {KEY_SCROLL_LOCK, 0x46},
    {KEY_KP_7, 0x47},
    {KEY_KP_8, 0x48},
    {KEY_KP_9, 0x49},
    {KEY_KP_MINUS, 0x4A},
    {KEY_KP_4, 0x4B},
    {KEY_KP_5, 0x4C},
    {KEY_KP_6, 0x4D},
    {KEY_KP_PLUS, 0x4E},
    {KEY_KP_1, 0x4F},
    {KEY_KP_2, 0x50},
    {KEY_KP_3, 0x51},
    {KEY_KP_0, 0x52},
    {KEY_KP_PERIOD, 0x53},
    {KEY_F11, 0x57},
    {KEY_F12, 0x58},
    {KEY_KP_ENTER, 0xE01C},
    {KEY_RIGHT_CTRL, 0xE01D},
    {KEY_KP_SLASH, 0xE035},
    {KEY_PRINT_SCREEN, 0xE037},
    {KEY_RIGHT_ALT, 0xE038},
    {KEY_PAUSE, 0xE046},
    {KEY_HOME, 0xE047},
    {KEY_UP, 0xE048},
    {KEY_PAGE_UP, 0xE049},
    {KEY_LEFT, 0xE04B},
    {KEY_RIGHT, 0xE04D},
    {KEY_END, 0xE04F},
    {KEY_DOWN, 0xE050},
    {KEY_PAGE_DOWN, 0xE051},
    {KEY_INSERT, 0xE052},
    {KEY_DELETE, 0xE053},
    {KEY_LEFT_GUI, 0xE05B},
    {KEY_RIGHT_GUI, 0xE05C},
    {KEY_MENU, 0xE05D},
};

// Press (or release) the key with this code from all_keys.
static struct key_event press_code(struct scancode_decoder *dec, uint16_t code, bool pressed)
{
    uint8_t make = (code & 0xFF) | (pressed ? 0 : 0x80);
    if (code >> 8)
        return KEY(dec, 0xE0, make);
    return KEY(dec, make);
}

static void numlock_on(struct scancode_decoder *dec)
{
    cr_assert(KEY(dec, 0x45).mods & KEY_MOD_NUM_LOCK);
    cr_assert(KEY(dec, 0xC5).mods & KEY_MOD_NUM_LOCK);
}

Test(scancode, every_key_presses_and_releases)
{
    cr_assert_eq(ARRAY_SIZE(all_keys), 104, "a US keyboard has 104 keys");
    cr_assert_eq(KEY_COUNT, 105, "KEY_NONE and one code per key");
    for (size_t i = 0; i < ARRAY_SIZE(all_keys); i++) {
        struct scancode_decoder dec;
        scancode_decoder_init(&dec);
        if (all_keys[i].key != KEY_NUM_LOCK)
            numlock_on(&dec); // so the keypad reports its own keys
        cr_assert_eq(press_code(&dec, all_keys[i].code, true).key, all_keys[i].key,
                     "code 0x%X is not %s", all_keys[i].code, scancode_key_name(all_keys[i].key));
        struct key_event ev = press_code(&dec, all_keys[i].code, false);
        cr_assert_eq(ev.key, all_keys[i].key);
        cr_assert_not(ev.pressed);
        cr_assert_eq(ev.codepoint, 0, "releases type nothing");
    }
}

Test(scancode, key_names)
{
    cr_assert_str_eq(scancode_key_name(KEY_UP), "ArrowUp");
    cr_assert_str_eq(scancode_key_name(KEY_F1), "F1");
    cr_assert_str_eq(scancode_key_name(KEY_PAUSE), "Pause");
    cr_assert_str_eq(scancode_key_name(KEY_A), "A");
    cr_assert_str_eq(scancode_key_name(KEY_KP_ENTER), "NumpadEnter");
    cr_assert_str_eq(scancode_key_name(KEY_NONE), "None");
    cr_assert_str_eq(scancode_key_name(KEY_COUNT), "Invalid");
    // Every key has its own name.
    for (int a = 0; a < KEY_COUNT; a++) {
        cr_assert_not_null(scancode_key_name(a), "key %d has no name", a);
        for (int b = 0; b < a; b++)
            cr_assert_str_neq(scancode_key_name(a), scancode_key_name(b));
    }
}

Test(scancode, single_keys)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
    expect(KEY(&dec, 0x02), KEY_1, true, '1');
    expect(KEY(&dec, 0x39), KEY_SPACE, true, ' ');
    expect(KEY(&dec, 0x1C), KEY_ENTER, true, '\n');
    expect(KEY(&dec, 0x0F), KEY_TAB, true, '\t');
    expect(KEY(&dec, 0x0E), KEY_BACKSPACE, true, '\b');
    expect(KEY(&dec, 0x01), KEY_ESCAPE, true, 0x1B);
    expect(KEY(&dec, 0x28), KEY_APOSTROPHE, true, '\'');
    expect(KEY(&dec, 0x2B), KEY_BACKSLASH, true, '\\');
    expect(KEY(&dec, 0x3B), KEY_F1, true, 0);
    expect(KEY(&dec, 0x58), KEY_F12, true, 0);
    struct key_event ev = KEY(&dec, 0x1E);
    cr_assert_eq(ev.mods, 0);
    cr_assert_eq(ev.nbytes, 1);
    cr_assert_eq(ev.bytes[0], 0x1E);
}

Test(scancode, releases)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a'); // auto-repeat is another press
    expect(KEY(&dec, 0x9E), KEY_A, false, 0);
    expect(KEY(&dec, 0x9E), KEY_A, false, 0); // a stray release is harmless
    expect(KEY(&dec, 0xBB), KEY_F1, false, 0);
    expect(KEY(&dec, 0xD8), KEY_F12, false, 0);
}

Test(scancode, shift)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    struct key_event ev = KEY(&dec, 0x2A);
    expect(ev, KEY_LEFT_SHIFT, true, 0);
    cr_assert_eq(ev.mods, KEY_MOD_LEFT_SHIFT);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'A');
    expect(KEY(&dec, 0x02), KEY_1, true, '!');
    expect(KEY(&dec, 0x0B), KEY_0, true, ')');
    expect(KEY(&dec, 0x35), KEY_SLASH, true, '?');
    expect(KEY(&dec, 0x29), KEY_BACKTICK, true, '~');
    expect(KEY(&dec, 0x39), KEY_SPACE, true, ' ');

    // Both shifts down, one released: still shifted.
    cr_assert_eq(KEY(&dec, 0x36).mods, KEY_MOD_SHIFT);
    cr_assert_eq(KEY(&dec, 0xAA).mods, KEY_MOD_RIGHT_SHIFT);
    expect(KEY(&dec, 0x27), KEY_SEMICOLON, true, ':');
    cr_assert_eq(KEY(&dec, 0xB6).mods, 0);
    expect(KEY(&dec, 0x27), KEY_SEMICOLON, true, ';');
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
}

Test(scancode, caps_lock)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    cr_assert_eq(KEY(&dec, 0x3A).mods, KEY_MOD_CAPS_LOCK, "toggles on when pressed");
    cr_assert_eq(KEY(&dec, 0xBA).mods, KEY_MOD_CAPS_LOCK, "stays on when released");
    expect(KEY(&dec, 0x1E), KEY_A, true, 'A');
    expect(KEY(&dec, 0x02), KEY_1, true, '1'); // letters only
    expect(KEY(&dec, 0x27), KEY_SEMICOLON, true, ';');

    // Shift with CapsLock: lowercase letters, shifted digits and punctuation.
    KEY(&dec, 0x2A);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
    expect(KEY(&dec, 0x2C), KEY_Z, true, 'z');
    expect(KEY(&dec, 0x02), KEY_1, true, '!');
    expect(KEY(&dec, 0x27), KEY_SEMICOLON, true, ':');
    KEY(&dec, 0xAA);

    // Held down, CapsLock repeats its make code; only the first press toggles.
    cr_assert_eq(KEY(&dec, 0x3A).mods, 0);
    cr_assert_eq(KEY(&dec, 0x3A).mods, 0);
    cr_assert_eq(KEY(&dec, 0x3A).mods, 0);
    cr_assert_eq(KEY(&dec, 0xBA).mods, 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
}

Test(scancode, ctrl_makes_control_characters)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    KEY(&dec, 0x1D);
    struct key_event ev = KEY(&dec, 0x2E);
    expect(ev, KEY_C, true, 0x03);
    cr_assert_eq(ev.mods, KEY_MOD_LEFT_CTRL);
    expect(KEY(&dec, 0x1E), KEY_A, true, 0x01);
    expect(KEY(&dec, 0x2C), KEY_Z, true, 0x1A);
    expect(KEY(&dec, 0x02), KEY_1, true, '1'); // only letters change
    KEY(&dec, 0x2A);
    expect(KEY(&dec, 0x2E), KEY_C, true, 0x03); // Shift makes no difference
    KEY(&dec, 0xAA);
    expect(KEY(&dec, 0x9D), KEY_LEFT_CTRL, false, 0);
    expect(KEY(&dec, 0x2E), KEY_C, true, 'c');

    // Right Ctrl too, and CapsLock makes no difference.
    KEY(&dec, 0x3A);
    KEY(&dec, 0xBA);
    ev = KEY(&dec, 0xE0, 0x1D);
    expect(ev, KEY_RIGHT_CTRL, true, 0);
    cr_assert_eq(ev.mods, KEY_MOD_RIGHT_CTRL | KEY_MOD_CAPS_LOCK);
    expect(KEY(&dec, 0x2E), KEY_C, true, 0x03);
    cr_assert_eq(KEY(&dec, 0xE0, 0x9D).mods, KEY_MOD_CAPS_LOCK);
    expect(KEY(&dec, 0x2E), KEY_C, true, 'C');
}

Test(scancode, alt_changes_no_text)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    KEY(&dec, 0x38);
    struct key_event ev = KEY(&dec, 0x1E);
    expect(ev, KEY_A, true, 'a');
    cr_assert_eq(ev.mods, KEY_MOD_LEFT_ALT);
    expect(KEY(&dec, 0xE0, 0x38), KEY_RIGHT_ALT, true, 0);
    cr_assert_eq(KEY(&dec, 0x1E).mods, KEY_MOD_ALT);
    cr_assert_eq(KEY(&dec, 0xB8).mods, KEY_MOD_RIGHT_ALT);
    cr_assert_eq(KEY(&dec, 0xE0, 0xB8).mods, 0);
}

Test(scancode, extended_keys)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    expect(KEY(&dec, 0xE0, 0x48), KEY_UP, true, 0);
    expect(KEY(&dec, 0xE0, 0xC8), KEY_UP, false, 0);
    expect(KEY(&dec, 0xE0, 0x4B), KEY_LEFT, true, 0);
    expect(KEY(&dec, 0xE0, 0x50), KEY_DOWN, true, 0);
    expect(KEY(&dec, 0xE0, 0x4D), KEY_RIGHT, true, 0);
    expect(KEY(&dec, 0xE0, 0xCD), KEY_RIGHT, false, 0);
    expect(KEY(&dec, 0xE0, 0x53), KEY_DELETE, true, 0);
    expect(KEY(&dec, 0xE0, 0x1C), KEY_KP_ENTER, true, '\n');
    expect(KEY(&dec, 0xE0, 0x9C), KEY_KP_ENTER, false, 0);
    expect(KEY(&dec, 0xE0, 0x35), KEY_KP_SLASH, true, '/');
    KEY(&dec, 0x2A);
    expect(KEY(&dec, 0xE0, 0x35), KEY_KP_SLASH, true, '/'); // Shift doesn't touch the keypad
    expect(KEY(&dec, 0x35), KEY_SLASH, true, '?');          // but does the main '/'
    KEY(&dec, 0xAA);

    struct key_event ev = KEY(&dec, 0xE0, 0x1D);
    expect(ev, KEY_RIGHT_CTRL, true, 0);
    cr_assert_eq(ev.mods, KEY_MOD_RIGHT_CTRL);
    cr_assert_eq(ev.nbytes, 2);
    cr_assert_eq(ev.bytes[0], 0xE0);
    cr_assert_eq(ev.bytes[1], 0x1D);
    ev = KEY(&dec, 0xE0, 0x9D);
    expect(ev, KEY_RIGHT_CTRL, false, 0);
    cr_assert_eq(ev.mods, 0);
}

Test(scancode, num_lock_switches_the_keypad)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    // Off (the initial state): the keypad navigates and types nothing.
    expect(KEY(&dec, 0x47), KEY_HOME, true, 0);
    expect(KEY(&dec, 0xC7), KEY_HOME, false, 0);
    expect(KEY(&dec, 0x48), KEY_UP, true, 0);
    expect(KEY(&dec, 0x4C), KEY_KP_5, true, 0);
    expect(KEY(&dec, 0x51), KEY_PAGE_DOWN, true, 0);
    expect(KEY(&dec, 0x52), KEY_INSERT, true, 0);
    expect(KEY(&dec, 0x53), KEY_DELETE, true, 0);
    // Keys that are the same either way.
    expect(KEY(&dec, 0x37), KEY_KP_ASTERISK, true, '*');
    expect(KEY(&dec, 0x4A), KEY_KP_MINUS, true, '-');
    expect(KEY(&dec, 0x4E), KEY_KP_PLUS, true, '+');

    numlock_on(&dec);
    struct key_event ev = KEY(&dec, 0x47);
    expect(ev, KEY_KP_7, true, '7');
    cr_assert_eq(ev.mods, KEY_MOD_NUM_LOCK);
    expect(KEY(&dec, 0xC7), KEY_KP_7, false, 0);
    expect(KEY(&dec, 0x4C), KEY_KP_5, true, '5');
    expect(KEY(&dec, 0x52), KEY_KP_0, true, '0');
    expect(KEY(&dec, 0x53), KEY_KP_PERIOD, true, '.');
    expect(KEY(&dec, 0x4E), KEY_KP_PLUS, true, '+');
    expect(KEY(&dec, 0xE0, 0x48), KEY_UP, true, 0); // the arrow keys don't change
    KEY(&dec, 0x2A);
    expect(KEY(&dec, 0x49), KEY_KP_9, true, '9'); // nor does Shift change the keypad
    KEY(&dec, 0xAA);

    cr_assert_eq(KEY(&dec, 0x45).mods, 0, "second press turns it off");
    KEY(&dec, 0xC5);
    expect(KEY(&dec, 0x4F), KEY_END, true, 0);
}

Test(scancode, pause_is_one_press_and_one_release)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    struct report r[8];
    cr_assert_eq(FEED(&dec, r, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5), 2);
    cr_assert_eq(r[0].status, SCANCODE_KEY);
    expect(r[0].ev, KEY_PAUSE, true, 0);
    cr_assert_eq(r[0].ev.mods, 0, "the 1D inside is not Ctrl");
    cr_assert_eq(r[0].ev.nbytes, 3);
    cr_assert_eq(r[0].ev.bytes[2], 0x45);
    cr_assert_eq(r[1].status, SCANCODE_KEY);
    expect(r[1].ev, KEY_PAUSE, false, 0);
    cr_assert_eq(r[1].ev.mods, 0, "the 45 inside is not NumLock");
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');

    // Ctrl+Pause is sent as E0 46 E0 C6, and is still Pause.
    KEY(&dec, 0x1D);
    expect(KEY(&dec, 0xE0, 0x46), KEY_PAUSE, true, 0);
    expect(KEY(&dec, 0xE0, 0xC6), KEY_PAUSE, false, 0);
    expect(KEY(&dec, 0x9D), KEY_LEFT_CTRL, false, 0);
}

Test(scancode, print_screen_without_fake_shift)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    struct key_event ev = KEY(&dec, 0xE0, 0x2A, 0xE0, 0x37);
    expect(ev, KEY_PRINT_SCREEN, true, 0);
    cr_assert_eq(ev.mods, 0, "no fake shift");
    ev = KEY(&dec, 0xE0, 0xB7, 0xE0, 0xAA);
    expect(ev, KEY_PRINT_SCREEN, false, 0);
    cr_assert_eq(ev.mods, 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');

    // With Shift really held, the keyboard fakes its release and press around
    // the key; the real Shift must survive that.
    KEY(&dec, 0x2A);
    expect(KEY(&dec, 0xE0, 0xAA, 0xE0, 0x37), KEY_PRINT_SCREEN, true, 0);
    expect(KEY(&dec, 0xE0, 0xB7, 0xE0, 0x2A), KEY_PRINT_SCREEN, false, 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'A');
    KEY(&dec, 0xAA);

    // With Alt held it is one byte, the old SysRq code.
    KEY(&dec, 0x38);
    expect(KEY(&dec, 0x54), KEY_PRINT_SCREEN, true, 0);
    expect(KEY(&dec, 0xD4), KEY_PRINT_SCREEN, false, 0);
}

Test(scancode, fake_shifts_alone_are_ignored)
{
    static const uint8_t fakes[] = {0x2A, 0xAA, 0x36, 0xB6};
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    for (size_t i = 0; i < ARRAY_SIZE(fakes); i++) {
        struct key_event ev;
        cr_assert_eq(scancode_decoder_feed(&dec, 0xE0, &ev), SCANCODE_NONE);
        cr_assert_eq(scancode_decoder_feed(&dec, fakes[i], &ev), SCANCODE_NONE,
                     "E0 %02X is a fake shift", fakes[i]);
        expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
    }
    // A fake release doesn't release the real key.
    KEY(&dec, 0x36);
    struct report r[2];
    cr_assert_eq(FEED(&dec, r, 0xE0, 0xB6, 0xE0, 0xAA), 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'A');
}

Test(scancode, unknown_codes_are_reported_then_forgotten)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    struct report r[2];

    cr_assert_eq(FEED(&dec, r, 0x59), 1); // beyond the table
    cr_assert_eq(r[0].status, SCANCODE_UNKNOWN);
    cr_assert_eq(r[0].ev.key, KEY_NONE);
    cr_assert_eq(r[0].ev.nbytes, 1);
    cr_assert_eq(r[0].ev.bytes[0], 0x59);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');

    cr_assert_eq(FEED(&dec, r, 0xD6), 1); // release of the non-US key, a hole in the table
    cr_assert_eq(r[0].status, SCANCODE_UNKNOWN);
    cr_assert_eq(r[0].ev.bytes[0], 0xD6);
    expect(KEY(&dec, 0x9E), KEY_A, false, 0);

    cr_assert_eq(FEED(&dec, r, 0xE0, 0x5F), 1); // the Sleep key, not on a 104-key board
    cr_assert_eq(r[0].status, SCANCODE_UNKNOWN);
    cr_assert_eq(r[0].ev.nbytes, 2);
    cr_assert_eq(r[0].ev.bytes[0], 0xE0);
    cr_assert_eq(r[0].ev.bytes[1], 0x5F);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');

    cr_assert_eq(FEED(&dec, r, 0xE0, 0xE0), 1); // a prefix is not a key
    cr_assert_eq(r[0].status, SCANCODE_UNKNOWN);
    cr_assert_eq(r[0].ev.nbytes, 2);
    expect(KEY(&dec, 0x2E), KEY_C, true, 'c');

    cr_assert_eq(FEED(&dec, r, 0xE1, 0x1E), 1);
    cr_assert_eq(r[0].status, SCANCODE_UNKNOWN);
    cr_assert_eq(r[0].ev.nbytes, 2);
    cr_assert_eq(r[0].ev.bytes[0], 0xE1);
    cr_assert_eq(r[0].ev.bytes[1], 0x1E);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');

    cr_assert_eq(FEED(&dec, r, 0xE1, 0x1D, 0x1E), 1);
    cr_assert_eq(r[0].status, SCANCODE_UNKNOWN);
    cr_assert_eq(r[0].ev.nbytes, 3);
    cr_assert_eq(r[0].ev.bytes[0], 0xE1);
    cr_assert_eq(r[0].ev.bytes[1], 0x1D);
    cr_assert_eq(r[0].ev.bytes[2], 0x1E);
    cr_assert_eq(r[0].ev.mods, 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
}

Test(scancode, keyboard_messages)
{
    static const struct {
        uint8_t byte;
        enum scancode_status status;
    } messages[] = {
        {0xFA, SCANCODE_ACK},   {0xFE, SCANCODE_RESEND}, {0xEE, SCANCODE_ECHO},
        {0x00, SCANCODE_ERROR}, {0xFF, SCANCODE_ERROR},
    };
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    KEY(&dec, 0x2A);
    for (size_t i = 0; i < ARRAY_SIZE(messages); i++) {
        struct report r[2];
        cr_assert_eq(FEED(&dec, r, messages[i].byte), 1);
        cr_assert_eq(r[0].status, messages[i].status, "byte 0x%02X", messages[i].byte);
        cr_assert_eq(r[0].ev.key, KEY_NONE);
        cr_assert_eq(r[0].ev.nbytes, 1);
        cr_assert_eq(r[0].ev.bytes[0], messages[i].byte);
        expect(KEY(&dec, 0x1E), KEY_A, true, 'A'); // and nothing changed
    }

    // 0xAA (self-test passed) is Left Shift's release code, and decodes so.
    expect(KEY(&dec, 0xAA), KEY_LEFT_SHIFT, false, 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
    scancode_decoder_init(&dec);
    cr_assert_eq(KEY(&dec, 0xAA).mods, 0);
    expect(KEY(&dec, 0x1E), KEY_A, true, 'a');
}

// The prefixes that put a fresh decoder in each of its states.
static const struct {
    const char *name;
    uint8_t bytes[2];
    size_t n;
} states[] = {
    {"idle", {0}, 0},
    {"after E0", {0xE0}, 1},
    {"after E1", {0xE1}, 1},
    {"after E1 1D", {0xE1, 0x1D}, 2},
    {"after E1 9D", {0xE1, 0x9D}, 2},
};

// Checks that hold for any report: fields in range, and the last byte is the one fed.
static void check_sane(enum scancode_status status, const struct key_event *ev, uint8_t byte)
{
    cr_assert_leq(status, SCANCODE_ERROR, "status %d out of range", status);
    cr_assert_geq(ev->nbytes, 1);
    cr_assert_leq(ev->nbytes, 3);
    cr_assert_eq(ev->bytes[ev->nbytes - 1], byte);
    cr_assert_eq(ev->mods & ~(KEY_MOD_SHIFT | KEY_MOD_CTRL | KEY_MOD_ALT | KEY_MOD_CAPS_LOCK |
                              KEY_MOD_NUM_LOCK | KEY_MOD_SCROLL_LOCK),
                 0);
    if (status == SCANCODE_KEY) {
        cr_assert_gt(ev->key, KEY_NONE);
        cr_assert_lt(ev->key, KEY_COUNT);
        cr_assert_lt(ev->codepoint, 0x80, "a US keyboard types ASCII");
        if (!ev->pressed)
            cr_assert_eq(ev->codepoint, 0);
    } else {
        cr_assert_eq(ev->key, KEY_NONE);
        cr_assert_eq(ev->codepoint, 0);
    }
}

// Whatever state the decoder is in, it is back in step within three bytes.
static void check_recovers(struct scancode_decoder *dec)
{
    struct key_event ev;
    enum scancode_status status = SCANCODE_NONE;
    for (int i = 0; i < 3; i++)
        status = scancode_decoder_feed(dec, 0x1E, &ev);
    cr_assert_eq(status, SCANCODE_KEY);
    cr_assert_eq(ev.key, KEY_A);
    cr_assert(ev.pressed);
}

Test(scancode, every_byte_in_every_state)
{
    for (size_t s = 0; s < ARRAY_SIZE(states); s++) {
        int keys = 0;
        for (int byte = 0; byte <= 0xFF; byte++) {
            struct scancode_decoder dec;
            struct key_event ev;
            scancode_decoder_init(&dec);
            for (size_t i = 0; i < states[s].n; i++)
                cr_assert_eq(scancode_decoder_feed(&dec, states[s].bytes[i], &ev), SCANCODE_NONE);

            enum scancode_status status = scancode_decoder_feed(&dec, byte, &ev);
            check_sane(status, &ev, byte);
            cr_assert_eq(ev.nbytes, states[s].n + 1, "%s, 0x%02X", states[s].name, byte);
            for (size_t i = 0; i < states[s].n; i++)
                cr_assert_eq(ev.bytes[i], states[s].bytes[i]);
            if (status == SCANCODE_KEY)
                keys++;
            if (s != 0)
                cr_assert_leq(status, SCANCODE_UNKNOWN, "messages only between sequences");
            check_recovers(&dec);
        }
        // How many bytes make a key in each state, counting make and break codes:
        // 0x01-0x54, 0x57 and 0x58 alone; 19 extended keys; Pause at the end of E1.
        static const int want[] = {2 * 86, 2 * 19, 0, 1, 1};
        cr_assert_eq(keys, want[s], "%s: %d bytes make a key", states[s].name, keys);
    }
}

Test(scancode, random_bytes)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    for (int i = 0; i < 300000; i++) {
        struct key_event ev;
        uint8_t byte = (uint8_t)test_random();
        enum scancode_status status = scancode_decoder_feed(&dec, byte, &ev);
        check_sane(status, &ev, byte);
    }
    check_recovers(&dec);
}

// A random stream of valid sequences, the special forms among them, decodes
// to exactly one event per sequence.
Test(scancode, random_key_sequences)
{
    struct scancode_decoder dec;
    scancode_decoder_init(&dec);
    numlock_on(&dec);
    for (int i = 0; i < 100000; i++) {
        size_t k = test_random() % (ARRAY_SIZE(all_keys) + 2);
        bool pressed = test_random() & 1;
        struct key_event ev;
        if (k == ARRAY_SIZE(all_keys)) {
            ev = pressed ? KEY(&dec, 0xE1, 0x1D, 0x45) : KEY(&dec, 0xE1, 0x9D, 0xC5);
            cr_assert_eq(ev.key, KEY_PAUSE);
        } else if (k == ARRAY_SIZE(all_keys) + 1) {
            ev = pressed ? KEY(&dec, 0xE0, 0x2A, 0xE0, 0x37) : KEY(&dec, 0xE0, 0xB7, 0xE0, 0xAA);
            cr_assert_eq(ev.key, KEY_PRINT_SCREEN);
        } else {
            if (all_keys[k].key == KEY_NUM_LOCK)
                continue; // keep the keypad's keys its own
            ev = press_code(&dec, all_keys[k].code, pressed);
            cr_assert_eq(ev.key, all_keys[k].key, "got %s, want %s", scancode_key_name(ev.key),
                         scancode_key_name(all_keys[k].key));
        }
        cr_assert_eq(ev.pressed, pressed);
        cr_assert(ev.mods & KEY_MOD_NUM_LOCK);
    }
}

Test(scancode, key_modifier_names_the_bit_each_modifier_key_sets)
{
    cr_assert_eq(scancode_key_modifier(KEY_LEFT_SHIFT), KEY_MOD_LEFT_SHIFT);
    cr_assert_eq(scancode_key_modifier(KEY_RIGHT_CTRL), KEY_MOD_RIGHT_CTRL);
    cr_assert_eq(scancode_key_modifier(KEY_RIGHT_ALT), KEY_MOD_RIGHT_ALT);
    cr_assert_eq(scancode_key_modifier(KEY_CAPS_LOCK), KEY_MOD_CAPS_LOCK);
    cr_assert_eq(scancode_key_modifier(KEY_NUM_LOCK), KEY_MOD_NUM_LOCK);
    // Every key whose bit is set in mods after a press is a modifier key.
    for (int key = KEY_NONE; key < KEY_COUNT; key++) {
        uint16_t bit = scancode_key_modifier((enum key_code)key);
        cr_assert(bit == 0 || (bit & (bit - 1)) == 0, "%s: one bit at most",
                  scancode_key_name((enum key_code)key));
    }
    cr_assert_eq(scancode_key_modifier(KEY_A), 0);
    cr_assert_eq(scancode_key_modifier(KEY_LEFT_GUI), 0, "GUI keys are not tracked in mods");
}

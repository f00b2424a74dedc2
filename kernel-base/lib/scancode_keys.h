// Private to the decoder: what each scancode means on a US 104-key keyboard.
#pragma once

#include <stdint.h>

#include "scancode.h"

// The key a make code (bit 7 clear) names, without a prefix and after E0;
// KEY_NONE for a code that is no key.
enum key_code scancode_plain_key(uint8_t code);
enum key_code scancode_e0_key(uint8_t code);
// What a keypad key from KEY_KP_0 to KEY_KP_PERIOD does while NumLock is off.
enum key_code scancode_numpad_navigation(enum key_code keypad_key);
// The text a key press types with the given modifiers, or 0.
uint32_t scancode_key_codepoint(enum key_code key, uint16_t mods);

// A self-referential future: it spells a word into its own buffer, one letter
// per poll, through a pointer into that buffer. Moved after its first poll, it
// writes into the place it was moved from: the bug pinning exists to prevent.
#pragma once

#include "future.h"

#define SPELL_MAX 15

// region: spell
// As an async function:
//
//     async const char *spell(const char *word)
//     {
//         char buf[SPELL_MAX + 1];
//         char *cursor = buf;     // a local pointing at another local
//         for (const char *p = word; *p; p++) {
//             *cursor++ = *p;
//             *cursor = '\0';
//             await yield();      // one letter per poll
//         }
//         return buf;
//     }
//
// Three locals live across the await (buf, cursor, and p, which becomes
// next), so all three move into the struct, and the struct points into
// itself. (As plain C, `return buf;` would return the address of a local; as a
// future, buf lives in the struct, and the caller reads it there.)
struct spell {
    struct future base;
    const char *next; // the next letter of the word
    char *cursor;     // where it goes: into buf, that is, into this very struct
    char buf[SPELL_MAX + 1];
};
// endregion: spell

// Spells the first SPELL_MAX letters of word (which must outlive the future).
// The output is buf, a string, once ready.
void spell_init(struct spell *s, const char *word);

// Pinning: a future that points into itself breaks when moved after its first
// poll, and future_poll's pin check catches the move.
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "spell.h"
#include "tally.h"
#include "testing.h"

TestSuite(pin, .timeout = 10);

static void random_word(char *word, size_t max)
{
    size_t n = (size_t)test_random_range(0, (long)max);
    for (size_t i = 0; i < n; i++)
        word[i] = (char)test_random_range('a', 'z');
    word[n] = '\0';
}

Test(pin, spell_spells_one_letter_per_poll)
{
    for (int trial = 0; trial < 100; trial++) {
        char word[SPELL_MAX + 1];
        random_word(word, SPELL_MAX);
        struct waker w = tally_waker();
        struct context cx = {&w};
        struct spell s;
        spell_init(&s, word);
        size_t polls = 1;
        while (future_poll(&s.base, &cx) == POLL_PENDING) {
            ASSERT_EQ(strlen(s.buf), polls, "one more letter per poll");
            polls++;
        }
        ASSERT_STR_EQ(s.buf, word);
        ASSERT_EQ(polls, strlen(word) + 1);
        ASSERT_EQ(tally_counts()->wake_by_refs, strlen(word));
    }
}

// The bug itself, with the check bypassed: the copy writes into the original.
Test(pin, a_moved_spell_writes_into_the_original)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct spell original;
    spell_init(&original, "kernel");
    ASSERT_EQ(future_poll(&original.base, &cx), POLL_PENDING);
    struct spell moved = original; // a move: copy the bytes, use the copy
    while (moved.base.poll(&moved.base, &cx) == POLL_PENDING) // no future_poll: no check
        ;
    ASSERT_STR_EQ(moved.buf, "k", "the copy's own buffer never got the other letters");
    ASSERT_STR_EQ(original.buf, "kernel", "they went to the original, through the cursor");
}

Test(pin, a_moved_future_is_caught, .signal = SIGABRT)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct spell original;
    spell_init(&original, "kernel");
    future_poll(&original.base, &cx);
    struct spell moved = original;
    future_poll(&moved.base, &cx); // panics: moved after its first poll
}

Test(pin, the_check_sees_only_moves_after_the_first_poll)
{
    struct waker w = waker_noop();
    struct context cx = {&w};
    struct spell a, b;
    spell_init(&a, "pin");
    b = a; // not polled yet: moving is fine, nothing points into it
    cr_assert(!future_was_moved(&b.base));
    ASSERT_EQ(future_poll(&b.base, &cx), POLL_PENDING);
    cr_assert(!future_was_moved(&b.base));
    struct spell c = b;
    cr_assert(future_was_moved(&c.base));
    cr_assert(!future_was_moved(&b.base), "the original has not moved");
    while (future_poll(&b.base, &cx) == POLL_PENDING)
        ;
    ASSERT_STR_EQ(b.buf, "pin");
}

// block_on: polls until ready, one poll for a ready future.
#include <criterion/criterion.h>
#include <string.h>

#include "block_on.h"
#include "ready.h"
#include "spell.h"
#include "testing.h"

TestSuite(block_on, .timeout = 10);

Test(block_on, a_ready_future_takes_one_poll)
{
    int value = (int)test_random_range(-1000, 1000);
    struct ready r;
    ready_init(&r, value);
    ASSERT_EQ(block_on(&r.base), 1);
    ASSERT_EQ(r.output, value);
}

Test(block_on, polls_until_ready)
{
    static const char letters[] = "abcdefghijklmno";
    for (int trial = 0; trial < 20; trial++) {
        size_t n = (size_t)test_random_range(0, SPELL_MAX);
        char word[SPELL_MAX + 1];
        memcpy(word, letters + SPELL_MAX - n, n + 1);
        struct spell s;
        spell_init(&s, word);
        ASSERT_EQ(block_on(&s.base), n + 1, "spell(\"%s\")", word);
        ASSERT_STR_EQ(s.buf, word);
        cr_assert(future_is_done(&s.base));
    }
}

// block_on, and the first example: example_task awaiting async_number.
#include <criterion/criterion.h>
#include <string.h>

#include "block_on.h"
#include "console_capture.h"
#include "example.h"
#include "leaf.h"
#include "spell.h"
#include "testing.h"

TestSuite(block_on, .timeout = 10);
TestSuite(example, .timeout = 10);

Test(block_on, a_ready_future_takes_one_poll)
{
    int value = (int)test_random_range(-1000, 1000);
    struct ready r;
    ready_init(&r, value);
    cr_assert_eq(block_on(&r.base), 1);
    cr_assert_eq(r.output, value);
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
        cr_assert_eq(block_on(&s.base), n + 1, "spell(\"%s\")", word);
        cr_assert_str_eq(s.buf, word);
        cr_assert(future_is_done(&s.base));
    }
}

Test(example, example_task_prints_the_async_number)
{
    console_output_clear();
    struct example_task t;
    example_task_init(&t);
    cr_assert_eq(block_on(&t.base), 1, "async_number is ready at once, so is example_task");
    cr_assert_str_eq(console_output(), "async number: 42\n");
}

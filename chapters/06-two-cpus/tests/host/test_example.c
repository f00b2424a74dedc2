// The running example: example_task awaits async_number and prints it.
#include <criterion/criterion.h>

#include "console_capture.h"
#include "example.h"
#include "testing.h"

TestSuite(example, .timeout = 10);

Test(example, example_task_prints_the_async_number)
{
    console_output_clear();
    struct waker waker = waker_noop();
    struct context cx = {&waker};
    struct example_task t;
    example_task_init(&t);
    ASSERT_EQ(future_poll(&t.base, &cx), POLL_READY,
              "async_number is ready at once, so is example_task");
    ASSERT_STR_EQ(console_output(), "async number: 42\n");
}

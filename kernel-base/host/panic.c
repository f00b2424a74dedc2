// panic on the host: the message goes to stderr and the process aborts, so
// the Criterion test that caused it fails; inside ASSERT_PANICS (testing.h)
// it returns to the test instead, with the message.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kprintf.h"
#include "panic.h"
#include "testing.h"

jmp_buf *test_panic_jump;
char test_panic_message[512];

// The host's panics say nothing more: no test installs a context here.
void panic_set_context(size_t (*describe)(char *buf, size_t size)) { (void)describe; }

void panic_at(const char *file, int line, const char *fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, message);
    fflush(stderr);
    if (test_panic_jump) { // ASSERT_PANICS is waiting for this one
        jmp_buf *jump = test_panic_jump;
        test_panic_jump = NULL;
        memcpy(test_panic_message, message, sizeof message);
        longjmp(*jump, 1);
    }
    abort();
}

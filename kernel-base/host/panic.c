// panic on the host: the message goes to stderr and the process aborts, so
// the Criterion test that caused it fails (or passes, if it expects SIGABRT).
#include <stdio.h>
#include <stdlib.h>

#include "kprintf.h"
#include "panic.h"

void panic_at(const char *file, int line, const char *fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, message);
    fflush(stderr);
    abort();
}

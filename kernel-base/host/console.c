// The host console: a capture buffer in place of the screen and serial port.
// Also echoed to stdout when CONSOLE_ECHO is set, to watch a test print.
#include "console_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kprintf.h"

static char buffer[1 << 16];
static size_t length;

static void put(char c, void *arg)
{
    (void)arg;
    if (length + 1 == sizeof buffer) {
        // Full: keep the newer half.
        memmove(buffer, buffer + sizeof buffer / 2, length - sizeof buffer / 2);
        length -= sizeof buffer / 2;
    }
    buffer[length++] = c;
    buffer[length] = '\0';
}

int kvprintf(const char *fmt, va_list args)
{
    size_t start = length;
    int n = kformat(put, NULL, fmt, args);
    if (getenv("CONSOLE_ECHO") && length >= start)
        fwrite(buffer + start, 1, length - start, stdout);
    return n;
}

static char status[4][81];

void kstatus_at(unsigned line, const char *fmt, ...)
{
    if (line >= 4)
        return;
    va_list args;
    va_start(args, fmt);
    kvsnprintf(status[line], sizeof status[line], fmt, args);
    va_end(args);
}

const char *console_status_line(unsigned line) { return line < 4 ? status[line] : ""; }

const char *console_output(void) { return buffer; }

void console_output_clear(void)
{
    length = 0;
    buffer[0] = '\0';
}

// On the host, kprintf writes into a buffer that tests read back.
#pragma once

#include <stddef.h>

// Everything printed since the last clear (NUL-terminated; the oldest output
// is dropped if it outgrows the buffer).
const char *console_output(void);
void console_output_clear(void);
// The latest text of status line `line` (kstatus_at), "" before the first.
const char *console_status_line(unsigned line);

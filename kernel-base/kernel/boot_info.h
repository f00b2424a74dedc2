// What the bootloader told us: the command line and the usable memory.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memory_region {
    uint64_t start, length;
};

// The value of `key=value` in the multiboot command line (e.g. "test" or
// "test=heap_reuse"), or "" for a bare `key`, or
// NULL when absent. Copies at most size-1 characters into buf.
const char *boot_cmdline_value(const char *key, char *buf, size_t size);

// The largest usable RAM region above the kernel image, clipped to the
// identity-mapped first GiB: the heap's home.
struct memory_region boot_heap_region(void);
uint64_t boot_memory_total(void);

void boot_info_parse(uint32_t magic, uint32_t info_addr);
